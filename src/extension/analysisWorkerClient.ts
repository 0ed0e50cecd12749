/**
 * The extension host's side of the analysis worker (src/node/analysisWorker.ts): starts the worker
 * thread on the first request, sends requests and resolves each with its answer. A worker that
 * crashes or stops answering (well past the evaluator's own budgets) is replaced and the request
 * fails with a sentence, so the extension keeps working; the replacement starts with an empty
 * module cache.
 */
import { Worker } from 'node:worker_threads';
import type { AnalysisRequest, AnalysisResponse } from '../node/analysisWorker';

/** Must equal the worker's cancelSlots (imported as a type only, so the host bundle holds no engine code). */
const cancelSlots = 256;

/** A request on its way: its answer, and how to call it off (answered then with `cancelled`). */
export interface PendingAnalysis {
  readonly response: Promise<AnalysisResponse>;
  cancel(): void;
}

/** Longer than any budget the evaluator grants (10 s per package module, plus the document's). */
const answerDeadlineMs = 60_000;

export class AnalysisWorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: AnalysisResponse) => void; timer: ReturnType<typeof setTimeout> }
  >();
  /** Flags both threads see: the worker's thread is busy while it analyses, so a message could not reach it. */
  private readonly cancelFlags = new Int32Array(new SharedArrayBuffer(cancelSlots * 4));

  constructor(
    private readonly script: string,
    private readonly log: (message: string) => void,
  ) {}

  request(request: Omit<AnalysisRequest, 'id'>): PendingAnalysis {
    const id = this.nextId++;
    const worker = this.start();
    Atomics.store(this.cancelFlags, id % cancelSlots, 0);
    const response = new Promise<AnalysisResponse>((resolve) => {
      const timer = setTimeout(
        () => this.fail(`the analysis worker gave no answer within ${answerDeadlineMs / 1000} s and was restarted`),
        answerDeadlineMs,
      );
      this.pending.set(id, { resolve, timer });
      worker.postMessage({ ...request, id });
    });
    return { response, cancel: () => Atomics.store(this.cancelFlags, id % cancelSlots, 1) };
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { workerData: { cancelFlags: this.cancelFlags.buffer } });
    worker.on('message', (response: AnalysisResponse) => {
      const waiting = this.pending.get(response.id);
      if (!waiting) return;
      clearTimeout(waiting.timer);
      this.pending.delete(response.id);
      waiting.resolve(response);
    });
    worker.on('error', (e) => this.fail(`the analysis worker failed: ${e.message}`));
    worker.on('exit', (code) => {
      if (this.worker === worker && code !== 0) this.fail(`the analysis worker exited with code ${code}`);
    });
    return (this.worker = worker);
  }

  /** Ends the worker and answers everything it held with `why`. */
  private fail(why: string): void {
    this.log(why);
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.resolve({ id, error: why });
    }
    this.pending.clear();
  }

  dispose(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    for (const waiting of this.pending.values()) clearTimeout(waiting.timer);
    this.pending.clear();
  }
}
