/**
 * Every torch.nn rule swept against PyTorch itself: output shapes, parameter counts (total and
 * trainable) and refusals must match exactly for all cases in torchCases.ts. The golden results
 * are checked in; where Debian's torch is installed (CI), a second test proves the golden file
 * still equals what torch computes now.
 */
import * as assert from 'node:assert/strict';
import type { Args } from '../../../src/core/frameworks/args';
import { torchLayers } from '../../../src/core/frameworks/torchLayers';
import type { LayerSpec } from '../../../src/core/ir/layers';
import { readGolden, runTorchOracle, torchUnavailableReason } from '../../oracle/torchOracle';
import { runCatalogCase, runSpec, type OurResult } from './sweepHarness';
import { torchCases, type OpCase, type TorchCase } from './torchCases';

function opSpec(c: OpCase): LayerSpec {
  const arg = c.arg as number[] | number;
  switch (c.op) {
    case 'add':
      return { kind: 'add', broadcast: true };
    case 'mul':
      return { kind: 'multiply', broadcast: true };
    case 'cat':
      return { kind: 'concat', axis: arg as number };
    case 'reshape':
      return { kind: 'reshape', target: arg as number[], includesBatch: true };
    case 'flatten':
      return { kind: 'flatten', startDim: (arg as number[])[0], endDim: (arg as number[])[1] ?? -1 };
    case 'permute':
      return { kind: 'permute', perm: arg as number[] };
  }
}

function ours(c: TorchCase): OurResult {
  if ('op' in c) return runSpec('pytorch', 'channels_first', opSpec(c), c.inputs);
  return runCatalogCase(torchLayers, 'pytorch', 'channels_first', c.cls, c.kwargs as Args, [c.input]);
}

describe('shape rules vs PyTorch (sweep)', () => {
  const cases = torchCases();
  const golden = readGolden('torch-sweep');

  it(`covers ${cases.length} cases, all present in the golden file`, () => {
    const missing = cases.filter((c) => !golden.results[c.id]).map((c) => c.id);
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} case(s) lack golden results: run npm run oracle:update`);
    assert.ok(Object.values(golden.results).some((r) => r.error), 'the sweep includes cases PyTorch refuses');
  });

  it('matches PyTorch exactly: output shape, params, trainable params, and refusals', () => {
    const failures: string[] = [];
    for (const c of cases) {
      const expected = golden.results[c.id];
      const got = ours(c);
      if (expected.error) {
        if (!got.errors.length) failures.push(`${c.id}: PyTorch refuses (${expected.error}) but CNN Lens gives [${got.output?.join(', ')}]`);
        continue;
      }
      if (got.errors.length) failures.push(`${c.id}: CNN Lens reports ${got.errors.join('; ')} but PyTorch gives [${expected.output?.join(', ')}]`);
      else if (JSON.stringify(got.output) !== JSON.stringify(expected.output)) failures.push(`${c.id}: shape [${got.output?.join(', ')}], PyTorch [${expected.output?.join(', ')}]`);
      else if (got.params !== expected.params || got.trainable !== expected.trainable) failures.push(`${c.id}: params ${got.params}/${got.trainable} trainable, PyTorch ${expected.params}/${expected.trainable}`);
    }
    assert.equal(failures.length, 0, `${failures.length} mismatch(es):\n${failures.slice(0, 25).join('\n')}`);
  });

  it('golden file equals what the installed torch computes now', function () {
    const reason = torchUnavailableReason();
    if (reason) {
      console.log(`      skipped: ${reason}; the checked-in golden results were used above`);
      this.skip();
    }
    this.timeout(120_000); // 26 s measured on a machine loaded 5×
    const live = runTorchOracle(cases);
    const stale = cases.filter((c) => JSON.stringify(live.results[c.id]) !== JSON.stringify(golden.results[c.id])).map((c) => c.id);
    assert.deepEqual(stale.slice(0, 5), [], `${stale.length} golden result(s) differ from torch ${live.torch}: run npm run oracle:update and review the diff`);
  });
});
