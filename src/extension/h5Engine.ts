/**
 * The HDF5 half of the engine, built as its own bundle (dist/kerasH5.js) because h5wasm carries
 * its 4 MB wasm binary inside its JavaScript. It runs only in a worker thread (src/node/h5Reader.ts
 * starts it with a deadline, since HDF5 can loop forever on a damaged file): neither activation,
 * nor the first analysis of a Python file, nor the extension host's own thread ever loads it.
 * Weights come back transferred, not copied.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readKerasH5 } from '../core/frontends/kerasH5';
import { h5WorkerFlag, type H5Reply, type H5Request } from '../node/h5Reader';

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | undefined)?.[h5WorkerFlag]) {
  const port = parentPort;
  // HDF5 prints its error stack (`HDF5-DIAG: …`, a dozen lines) for a damaged file through this
  // thread's stderr; the reply already says what is wrong in one sentence.
  process.stderr.write = (() => true) as typeof process.stderr.write;
  port.on('message', async ({ id, bytes, options }: H5Request) => {
    const result = await readKerasH5(bytes, options);
    const buffers =
      'error' in result
        ? []
        : [...new Set(result.weights.map((w) => w.data.buffer))].filter(
            (b): b is ArrayBuffer => b instanceof ArrayBuffer,
          );
    port.postMessage({ id, result } satisfies H5Reply, buffers);
  });
}
