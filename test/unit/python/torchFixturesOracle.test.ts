/**
 * Keeps pytorch/EXPECTED.json honest: test/oracle/torch_fixture_totals.py builds every PyTorch
 * fixture's entry point with torch 1.13 and runs it on zeros, and its totals (input, output shape,
 * parameters, trainable) must equal the recorded ones that pythonFixtures.test.ts holds CNN Lens to.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { python } from '../../oracle/torchOracle';
import { skipWithoutTorch } from './torchTruth';

describe('PyTorch fixtures against torch, live', function () {
  this.timeout(120_000);
  it('torch builds every PyTorch fixture to the totals EXPECTED.json records', function () {
    skipWithoutTorch(this);
    const fixtures = join(__dirname, '../../fixtures/python/pytorch');
    const expected = JSON.parse(readFileSync(join(fixtures, 'EXPECTED.json'), 'utf8')) as Record<string, unknown>;
    const run = spawnSync(
      python,
      [join(__dirname, '../../oracle/torch_fixture_totals.py'), fixtures, ...Object.keys(expected)],
      { encoding: 'utf8', maxBuffer: 16 << 20 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), expected);
  });
});
