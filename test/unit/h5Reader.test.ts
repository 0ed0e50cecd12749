/**
 * The `.h5` reader both hosts use (src/node/h5Reader.ts): HDF5 runs in a worker thread, so a file
 * that sends it into an endless loop (a damaged file the fuzz test found, kept as a fixture) costs
 * a deadline and a sentence, not a frozen extension host; the next file is read by a fresh worker;
 * and what a healthy file gives through the worker equals reading it in this thread.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKerasH5 } from '../../src/core/frontends/kerasH5';
import { workerH5Reader } from '../../src/node/h5Reader';

const engine = join(__dirname, '../../src/extension/h5Engine.ts');
const lenet = new Uint8Array(readFileSync(join(__dirname, '../../samples/models/lenet5.h5')));
const endless = new Uint8Array(readFileSync(join(__dirname, '../fixtures/models/damaged/hdf5-endless-loop.h5')));

describe('.h5 reader in a worker', function () {
  this.timeout(60_000);
  const reader = workerH5Reader(engine, () => 4_000);
  after(() => reader.dispose());

  it('reads a healthy file as readKerasH5 does in this thread, weights included', async () => {
    const [viaWorker, here] = await Promise.all([reader.read(lenet), readKerasH5(lenet)]);
    assert.ok(!('error' in viaWorker) && !('error' in here));
    assert.equal(viaWorker.weights.length, 10);
    assert.deepEqual(viaWorker.weights.map((w) => [w.name, w.shape]), here.weights.map((w) => [w.name, w.shape]));
    assert.ok(viaWorker.weights.every((w, i) => w.data instanceof Float32Array && w.data.every((v, k) => v === here.weights[i].data[k])));
    assert.deepEqual(viaWorker.modelConfig, here.modelConfig);
  });

  it('stops a file that loops HDF5 forever at the deadline, and reads the next file with a fresh worker', async () => {
    const started = Date.now();
    const hung = await reader.read(endless, { weights: 'shapes' });
    const elapsed = Date.now() - started;
    assert.ok('error' in hung, 'the damaged file gives an error');
    assert.match(hung.error, /HDF5 did not finish reading the file within 4 s and was stopped; the file is probably damaged/);
    // Never before its deadline; how long after it depends on the machine's load, so it is not asserted.
    assert.ok(elapsed >= 4_000, `stopped after ${elapsed} ms, before its 4 s deadline`);
    const next = await reader.read(lenet, { weights: 'shapes' });
    assert.ok(!('error' in next), JSON.stringify(next).slice(0, 300));
    assert.equal(next.weights.length, 10);
  });
});
