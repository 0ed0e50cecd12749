/**
 * Keras `.h5` files are read by HDF5's C library (h5wasm), which runs synchronously and can be
 * sent into an endless loop by a damaged file: on the caller's thread that would freeze the
 * extension host or the CLI, and no time budget reaches inside the wasm. So both hosts read an
 * `.h5` in a worker thread with a deadline. The worker runs the h5 bundle (dist/kerasH5.js, or its
 * source under tsx), which answers read requests when started as a worker; one that misses its
 * deadline is terminated, the read gets a sentence saying so, and the next read starts a fresh
 * worker. The worker is unref'd, so an idle one never keeps a process alive.
 */
import { Worker } from 'node:worker_threads';
import type { KerasH5, ReadKerasH5Options } from '../core/frontends/kerasH5';
import type { KerasH5Reader } from '../core/frontends/kerasH5Model';

export type H5Read = KerasH5Reader;

/** What a worker started with this flag in its workerData serves (see src/extension/h5Engine.ts). */
export const h5WorkerFlag = 'cnnLensH5Reader';

export interface H5Request {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly options: ReadKerasH5Options;
}

export interface H5Reply {
  readonly id: number;
  readonly result: KerasH5 | { error: string };
}

/** A variable, so the bundler leaves this dev-only module alone. */
const tsxRegister = 'tsx/cjs/api';

/** A generous deadline: 10 s, plus 5 s for every 100 MB (a healthy 100 MB file reads in under a second). */
export const defaultH5DeadlineMs = (bytes: number): number => 10_000 + (bytes / 100e6) * 5_000;

export interface WorkerH5Reader {
  readonly read: H5Read;
  /**
   * The same, handing `bytes`' memory to the worker instead of copying it (when they own their
   * buffer): for a caller that is done with them, so a large file is not held twice. `bytes` is
   * empty afterwards.
   */
  readonly readHandingOver: H5Read;
  dispose(): Promise<void>;
}

/** `script`: the h5 bundle (a .js file), or its TypeScript source when running under tsx. */
export function workerH5Reader(
  script: string,
  deadlineMs: (bytes: number) => number = defaultH5DeadlineMs,
): WorkerH5Reader {
  /** A worker and the reads it owes; a worker that is stopped or dies answers all of its own. */
  interface Running {
    readonly worker: Worker;
    readonly pending: Map<
      number,
      { resolve: (r: KerasH5 | { error: string }) => void; timer: ReturnType<typeof setTimeout> }
    >;
  }
  let current: Running | undefined;
  let nextId = 0;
  const settleAll = (running: Running, error: string) => {
    if (current === running) current = undefined;
    for (const p of running.pending.values()) {
      clearTimeout(p.timer);
      p.resolve({ error });
    }
    running.pending.clear();
  };
  const start = (): Running => {
    // Run from source (the tests), the worker registers tsx itself: loaders do not reach workers.
    const worker = script.endsWith('.ts')
      ? new Worker(
          `require(${JSON.stringify(require.resolve(tsxRegister))}).register(); require(${JSON.stringify(script)});`,
          { eval: true, workerData: { [h5WorkerFlag]: true } },
        )
      : new Worker(script, { workerData: { [h5WorkerFlag]: true } });
    const running: Running = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', ({ id, result }: H5Reply) => {
      const p = running.pending.get(id);
      if (!p) return;
      clearTimeout(p.timer);
      running.pending.delete(id);
      p.resolve(result);
      if (!running.pending.size) worker.unref();
    });
    worker.on('error', (error) => settleAll(running, `the HDF5 reader failed: ${error.message}`));
    worker.on('exit', () => settleAll(running, 'the HDF5 reader stopped unexpectedly'));
    return running;
  };
  const send = (
    bytes: Uint8Array,
    options: ReadKerasH5Options,
    handOver: boolean,
  ): Promise<KerasH5 | { error: string }> =>
    new Promise((resolve) => {
      const running = (current ??= start());
      const id = ++nextId;
      const ms = deadlineMs(bytes.length);
      const timer = setTimeout(() => {
        running.pending.delete(id);
        // Whatever else this worker was reading is lost with it; those reads are told so.
        settleAll(running, 'the HDF5 reader was stopped with another file that hung it');
        void running.worker.terminate();
        resolve({
          error:
            `HDF5 did not finish reading the file within ${(ms / 1000).toFixed(0)} s and was stopped; ` +
            'the file is probably damaged',
        });
      }, ms);
      running.pending.set(id, { resolve, timer });
      running.worker.ref();
      const owned =
        bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      running.worker.postMessage(
        { id, bytes, options } satisfies H5Request,
        handOver && owned ? [bytes.buffer as ArrayBuffer] : [],
      );
    });
  return {
    read: (bytes, options = {}) => send(bytes, options, false),
    readHandingOver: (bytes, options = {}) => send(bytes, options, true),
    async dispose() {
      const running = current;
      if (!running) return;
      settleAll(running, 'the HDF5 reader was closed');
      await running.worker.terminate();
    },
  };
}
