/**
 * Keras 3's `.keras` archives (src/core/frontends/kerasArchive.ts). Archives are written the way
 * Keras's saving_lib writes them — Python's zipfile with its default, stored entries, holding
 * metadata.json, config.json and model.weights.h5 — by /usr/bin/python3's own zipfile (also with
 * forced zip64 records), and by a small writer here when there is no Python; config.json is each
 * of our Keras 3 fixtures, so the analysis must equal that JSON's and tfjs's totals. Damaged
 * archives (cut short, compressed, no config.json, a directory pointing past the end) are refused
 * with a sentence. The sample archive's model.weights.h5 loads as the activations panel loads it.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activationPlan } from '../../../src/core/analysis/activationPlan';
import { matchKerasWeights } from '../../../src/core/analysis/weightFit';
import { kerasArchiveParts } from '../../../src/core/frontends/kerasArchive';
import { readKerasH5 } from '../../../src/core/frontends/kerasH5';
import { bytesSource, readZipDirectory } from '../../../src/core/frontends/zip';
import { analyzeKerasArchive, analyzeKerasJson } from '../../../src/core/analysis/analyzeDocument';
import { runCli } from '../../support/runCli';
import { zip } from '../../support/zipWriter';

const dir = join(__dirname, '../../fixtures/models');
const keras3 = readdirSync(dir).filter((f) => f.endsWith('.keras3.json'));
const metadata = JSON.stringify({ keras_version: '3.6.0', date_saved: '2026-11-25@04:30:00' });
const weights = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

const archiveOf = (fixture: string) => zip({ 'metadata.json': metadata, 'config.json': readFileSync(join(dir, fixture), 'utf8'), 'model.weights.h5': weights });
const errorOf = (bytes: Uint8Array) => {
  const r = analyzeKerasArchive('m.keras', bytes);
  assert.equal(r.models.length, 0);
  return r.diagnostics.map((d) => d.message).join(' | ');
};

describe('Keras 3 .keras archives', () => {
  for (const fixture of keras3) {
    it(`${fixture} in a .keras archive: the analysis of its config.json, with tfjs's totals`, () => {
      const expected = JSON.parse(readFileSync(join(dir, fixture.replace('.keras3.json', '.expected.json')), 'utf8'));
      const fromArchive = analyzeKerasArchive('m.keras', archiveOf(fixture));
      const fromJson = analyzeKerasJson('m.json', readFileSync(join(dir, fixture), 'utf8'));
      assert.equal(fromArchive.models.length, 1, JSON.stringify(fromArchive.diagnostics));
      const [a, j] = [fromArchive.models[0], fromJson.models[0]];
      assert.equal(a.analysis.totals.params, expected.params);
      assert.deepEqual(a.analysis.totals, j.analysis.totals);
      assert.deepEqual(a.analysis.nodeResults.map((r) => r.outputShapes), j.analysis.nodeResults.map((r) => r.outputShapes));
      assert.deepEqual(fromArchive.diagnostics.map((d) => `${d.severity}: ${d.message}`), ['info: saved by Keras 3.6.0']);
      // Ranges point into config.json, which is nowhere in the archive: all at the top.
      assert.ok([a.range, ...a.diagnostics.map((d) => d.range)].every((r) => r.start.line === 0));
    });
  }

  it('refuses damaged archives with a sentence', () => {
    const good = archiveOf(keras3[0]);
    assert.match(errorOf(new Uint8Array(10)), /10 bytes is too short for a zip archive/);
    assert.match(errorOf(good.subarray(0, 200)), /the zip directory is missing \(the file is truncated\?\)/);
    assert.match(errorOf(new Uint8Array(200).fill(7)), /not a zip archive/);
    assert.match(errorOf(zip({ 'metadata.json': metadata, 'weights.h5': weights })), /no config.json in this archive: not a Keras 3 model file .* found metadata.json, weights.h5/);
    assert.match(errorOf(zip({ 'config.json': '{}' }, { deflate: 'config.json' })), /config.json is compressed \(zip method 8\); the archives Keras and PyTorch write are not, and only those are read/);
    // config.json's directory entry (its name's last occurrence; the entry starts 46 bytes before it).
    const entry = Buffer.from(good).lastIndexOf(Buffer.from('config.json')) - 46;
    // The directory says config.json starts past the end.
    const moved = Buffer.from(good);
    moved.writeUInt32LE(moved.length + 100, entry + 42);
    assert.match(errorOf(new Uint8Array(moved)), /the data of config.json is missing \(the file is truncated\?\)/);
    // A claimed size larger than the file.
    const big = Buffer.from(good);
    big.writeUInt32LE(0x7fffffff, entry + 20);
    big.writeUInt32LE(0x7fffffff, entry + 24);
    assert.match(errorOf(new Uint8Array(big)), /config.json runs past the end of the file/);
  });

  it("hands over its config and model.weights.h5, whose Keras 3 variables are named through the config and fit the model", async () => {
    const bytes = new Uint8Array(readFileSync(join(__dirname, '../../../samples/models/resnet_block.keras')));
    const parts = kerasArchiveParts(bytes);
    assert.ok(!('error' in parts), 'error' in parts ? parts.error : '');
    const read = await readKerasH5(parts.weights, { modelConfig: parts.config });
    assert.ok(!('error' in read) && read.layout === 'keras3-weights');
    const model = analyzeKerasArchive('resnet_block.keras', bytes).models[0];
    const loaded = matchKerasWeights('resnet_block.keras', activationPlan(model.analysis, { uri: '', version: 0, name: '' }, model.name), read.weights);
    assert.deepEqual(loaded.problems, []);
    assert.equal(Object.keys(loaded.tensors).length, 15);
    assert.match((kerasArchiveParts(zip({ 'config.json': '{}' })) as { error: string }).error, /holds config.json and model.weights.h5; this one has config.json/);
  });

  it('is read by cnn-lens summary', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cnn-lens-keras-'));
    try {
      writeFileSync(join(tmp, 'm.keras'), archiveOf('resnet_block.keras3.json'));
      const r = await runCli('summary', join(tmp, 'm.keras'));
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /Total params: 14,720/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  describe("written by Python's zipfile, as Keras's saving_lib writes them", () => {
    const python = '/usr/bin/python3';
    let tmp = '';
    before(function () {
      if (!existsSync(python)) {
        console.log(`      skipped: ${python} not found (its zipfile writes the archives as Keras does)`);
        this.skip();
      }
      tmp = mkdtempSync(join(tmpdir(), 'cnn-lens-keras-'));
      writeFileSync(join(tmp, 'config.json'), readFileSync(join(dir, 'inception_block.keras3.json')));
      const script = String.raw`
import sys, zipfile
out, config = sys.argv[1], open(sys.argv[2]).read()
for name, force in (('plain.keras', False), ('zip64.keras', True)):
    with zipfile.ZipFile(out + '/' + name, 'w') as zf:
        zf.writestr('metadata.json', '{"keras_version": "3.6.0"}')
        zf.writestr('config.json', config)
        with zf.open('model.weights.h5', 'w', force_zip64=force) as f:
            f.write(b'\x89HDF\r\n\x1a\n' + bytes(1000))
`;
      const r = spawnSync(python, ['-c', script, tmp, join(tmp, 'config.json')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
    after(() => tmp && rmSync(tmp, { recursive: true, force: true }));

    for (const name of ['plain.keras', 'zip64.keras']) {
      it(`${name}: analysed, every entry found`, () => {
        const bytes = new Uint8Array(readFileSync(join(tmp, name)));
        const entries = readZipDirectory(bytesSource(bytes));
        assert.ok(!('error' in entries), 'error' in entries ? entries.error : '');
        assert.deepEqual([...entries.keys()], ['metadata.json', 'config.json', 'model.weights.h5']);
        assert.equal(entries.get('model.weights.h5')!.size, 1008);
        const r = analyzeKerasArchive(name, bytes);
        assert.equal(r.models.length, 1, JSON.stringify(r.diagnostics));
        assert.equal(r.models[0].analysis.totals.params, JSON.parse(readFileSync(join(dir, 'inception_block.expected.json'), 'utf8')).params);
      });
    }
  });
});
