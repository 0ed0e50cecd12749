/**
 * TensorFlow.js weight manifests: weights read back in manifest order across shards, and every
 * way a hostile or truncated model.json can be wrong refused with a message instead of a read
 * past the end of the bytes. A model.json (tfjs's own, written by scripts/make-model-fixtures.mjs)
 * whose shard is missing or short is a warning naming it, at its name in the file, in the CLI's
 * table and JSON (the editor's Problems take the same diagnostics from the analysis worker).
 */
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTfjsWeights, tfjsShardDiagnostics, tfjsShardPaths } from '../../../src/core/frontends/tfjsWeights';
import { withTfjsShardWarnings } from '../../../src/node/weightsFile';
import { runCli as run } from '../../support/runCli';

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

describe('tfjs weights manifest', () => {
  const manifest = {
    weightsManifest: [
      {
        paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
        weights: [
          { name: 'conv2d/kernel', shape: [1, 1, 1, 2], dtype: 'float32' },
          { name: 'conv2d/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ],
  };

  it('reads weights in order across the shards of a group', () => {
    const bytes = f32([1, 2, 3, 4]);
    const shards = new Map([
      ['group1-shard1of2.bin', bytes.slice(0, 6)],
      ['group1-shard2of2.bin', bytes.slice(6)],
    ]);
    assert.deepEqual(tfjsShardPaths(manifest), ['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    const weights = readTfjsWeights(manifest, shards);
    assert.ok(Array.isArray(weights));
    assert.deepEqual(
      weights.map((w) => [w.name, [...w.shape], [...w.data]]),
      [
        ['conv2d/kernel', [1, 1, 1, 2], [1, 2]],
        ['conv2d/bias', [2], [3, 4]],
      ],
    );
  });

  it('refuses what is not a manifest, paths outside the folder, truncated shards and quantised weights', () => {
    assert.match((tfjsShardPaths({ modelTopology: {} }) as { error: string }).error, /no weightsManifest/);
    assert.match(
      (tfjsShardPaths({ weightsManifest: [{ paths: ['../../etc/passwd'] }] }) as { error: string }).error,
      /not a file next to model.json/,
    );
    const short = readTfjsWeights(
      manifest,
      new Map([
        ['group1-shard1of2.bin', f32([1])],
        ['group1-shard2of2.bin', new Uint8Array()],
      ]),
    );
    assert.match((short as { error: string }).error, /conv2d\/kernel: the shards end before/);
    assert.match(
      (readTfjsWeights(manifest, new Map()) as { error: string }).error,
      /shard group1-shard1of2.bin is missing/,
    );
    const quantised = {
      weightsManifest: [{ paths: ['a.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float16' }] }],
    };
    assert.match(
      (readTfjsWeights(quantised, new Map([['a.bin', new Uint8Array(4)]])) as { error: string }).error,
      /float16 is not supported/,
    );
    const huge = {
      weightsManifest: [{ paths: ['a.bin'], weights: [{ name: 'w', shape: [1e6, 1e6], dtype: 'float32' }] }],
    };
    assert.match(
      (readTfjsWeights(huge, new Map([['a.bin', new Uint8Array(4)]])) as { error: string }).error,
      /shards end before/,
    );
  });
});

describe('a tfjs model.json whose weight shards are missing', () => {
  const fixture = join(__dirname, '../../fixtures/models/lenet5.tfjs');
  const shard = 'group1-shard1of1.bin';
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-lens-tfjs-'));
    cpSync(fixture, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("has no warning while tfjs's shard is there (its 246,824 bytes are what the manifest needs)", async () => {
    assert.equal(statSync(join(dir, shard)).size, 61_706 * 4);
    const r = await run('summary', join(dir, 'model.json'), '--format', 'json');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).diagnostics, []);
  });

  it('names the missing shard as a warning at its name in the manifest, in the table and the JSON', async () => {
    unlinkSync(join(dir, shard));
    const text = readFileSync(join(dir, 'model.json'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes(`"${shard}"`)) + 1;
    const table = await run('summary', join(dir, 'model.json'));
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /Total params: 61,706/);
    assert.match(
      table.out,
      new RegExp(
        `line ${line}: warning: weight file '${shard}' is missing: the weightsManifest names it as the shard of weight group 1 \\(10 weights, 246,824 bytes\\)`,
      ),
    );
    const json = JSON.parse((await run('summary', join(dir, 'model.json'), '--format', 'json')).out);
    assert.deepEqual(
      json.diagnostics.map((d: { severity: string; line: number }) => [d.severity, d.line]),
      [['warning', line]],
    );
  });

  it('says a shard shorter than its weights need', async () => {
    truncateSync(join(dir, shard), 1000);
    const r = await run('summary', join(dir, 'model.json'));
    assert.match(
      r.out,
      /weight file 'group1-shard1of1.bin' holds 1,000 bytes, but the weightsManifest's 10 weights need 246,824: truncated\?/,
    );
  });

  it('leaves an unsaved model.json and a Keras to_json file alone', () => {
    const text = readFileSync(join(fixture, 'model.json'), 'utf8');
    const empty = { file: 'x', models: [], diagnostics: [], steps: 0 };
    assert.equal(withTfjsShardWarnings(empty, join(dir, 'nowhere', 'model.json'), text, tfjsShardDiagnostics), empty);
    assert.deepEqual(
      tfjsShardDiagnostics(readFileSync(join(fixture, '../lenet5.keras.json'), 'utf8'), () => undefined),
      [],
    );
  });

  it('counts each shard of a group, quantised weights at their stored size', () => {
    const text = JSON.stringify(
      {
        weightsManifest: [
          {
            paths: ['a1.bin', 'a2.bin'],
            weights: [
              { name: 'k', shape: [10], dtype: 'float32' },
              { name: 'q', shape: [8], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: 0 } },
            ],
          },
        ],
      },
      null,
      1,
    );
    const missing = tfjsShardDiagnostics(text, (p) => (p === 'a1.bin' ? 30 : undefined));
    assert.equal(missing.length, 1);
    assert.match(
      missing[0].message,
      /^weight file 'a2.bin' is missing: the weightsManifest names it as shard 2 of 2 of weight group 1 \(2 weights, 48 bytes\)/,
    );
    assert.equal(
      missing[0].range.start.line,
      text.split('\n').findIndex((l) => l.includes('"a2.bin"')),
    );
    assert.deepEqual(
      tfjsShardDiagnostics(text, () => 24),
      [],
    );
    assert.equal(tfjsShardDiagnostics(text, () => 20).length, 1);
  });
});
