/**
 * TensorFlow.js weight manifests: weights read back in manifest order across shards, and every
 * way a hostile or truncated model.json can be wrong refused with a message instead of a read
 * past the end of the bytes.
 */
import * as assert from 'node:assert/strict';
import { readTfjsWeights, tfjsShardPaths } from '../../../src/core/frontends/tfjsWeights';

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

describe('tfjs weights manifest', () => {
  const manifest = {
    weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [{ name: 'conv2d/kernel', shape: [1, 1, 1, 2], dtype: 'float32' }, { name: 'conv2d/bias', shape: [2], dtype: 'float32' }] }],
  };

  it('reads weights in order across the shards of a group', () => {
    const bytes = f32([1, 2, 3, 4]);
    const shards = new Map([['group1-shard1of2.bin', bytes.slice(0, 6)], ['group1-shard2of2.bin', bytes.slice(6)]]);
    assert.deepEqual(tfjsShardPaths(manifest), ['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    const weights = readTfjsWeights(manifest, shards);
    assert.ok(Array.isArray(weights));
    assert.deepEqual(weights.map((w) => [w.name, [...w.shape], [...w.data]]), [['conv2d/kernel', [1, 1, 1, 2], [1, 2]], ['conv2d/bias', [2], [3, 4]]]);
  });

  it('refuses what is not a manifest, paths outside the folder, truncated shards and quantised weights', () => {
    assert.match((tfjsShardPaths({ modelTopology: {} }) as { error: string }).error, /no weightsManifest/);
    assert.match((tfjsShardPaths({ weightsManifest: [{ paths: ['../../etc/passwd'] }] }) as { error: string }).error, /not a file next to model.json/);
    const short = readTfjsWeights(manifest, new Map([['group1-shard1of2.bin', f32([1])], ['group1-shard2of2.bin', new Uint8Array()]]));
    assert.match((short as { error: string }).error, /conv2d\/kernel: the shards end before/);
    assert.match((readTfjsWeights(manifest, new Map()) as { error: string }).error, /shard group1-shard1of2.bin is missing/);
    const quantised = { weightsManifest: [{ paths: ['a.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float16' }] }] };
    assert.match((readTfjsWeights(quantised, new Map([['a.bin', new Uint8Array(4)]])) as { error: string }).error, /float16 is not supported/);
    const huge = { weightsManifest: [{ paths: ['a.bin'], weights: [{ name: 'w', shape: [1e6, 1e6], dtype: 'float32' }] }] };
    assert.match((readTfjsWeights(huge, new Map([['a.bin', new Uint8Array(4)]])) as { error: string }).error, /shards end before/);
  });
});
