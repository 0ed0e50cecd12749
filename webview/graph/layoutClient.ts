/**
 * Runs layouts in a Web Worker and hands back the result with the full layers (hover text
 * included) put back into its boxes. Webview pages cannot start a worker from their resource URL
 * (it is another origin), so the worker is tried from its URL and, when refused, built from a Blob
 * of the same code embedded in this bundle; where no worker starts at all, the layout runs inline.
 * Only the newest request is answered: a layout that finishes after a newer one was asked for is
 * dropped.
 */
import type { GraphSnapshot, ViewLayer } from '../../src/core/protocol/messages';
import { layoutModel, type Layout, type ViewMode } from './layout';

export interface LayoutRequest {
  readonly seq: number;
  readonly snapshot: GraphSnapshot;
  readonly options: { readonly view: ViewMode; readonly expanded: readonly string[] };
}

export type LayoutReply = { readonly seq: number; readonly layout: Layout; readonly ms: number } | { readonly seq: number; readonly error: string };

/** The worker bundle's source, embedded by esbuild.mjs. */
declare const CNN_LENS_LAYOUT_WORKER_SOURCE: string;

export class LayoutClient {
  private worker: Worker | undefined;
  /** How the worker was started: `url`, `blob` or `inline` (no worker). */
  mode: 'url' | 'blob' | 'inline' = 'inline';
  private seq = 0;
  private pending: { seq: number; resolve: (layout: Layout | undefined) => void; reject: (error: Error) => void; request: LayoutRequest } | undefined;

  constructor(workerUrl: string | undefined) {
    this.worker = this.start(workerUrl);
  }

  private start(workerUrl: string | undefined): Worker | undefined {
    const attempts: [LayoutClient['mode'], () => Worker][] = [];
    if (workerUrl) attempts.push(['url', () => new Worker(workerUrl)]);
    if (typeof CNN_LENS_LAYOUT_WORKER_SOURCE === 'string') attempts.push(['blob', () => new Worker(URL.createObjectURL(new Blob([CNN_LENS_LAYOUT_WORKER_SOURCE], { type: 'text/javascript' })))]);
    for (const [mode, create] of attempts) {
      try {
        const worker = create();
        worker.onmessage = (event: MessageEvent<LayoutReply>) => this.receive(event.data);
        // A worker that fails to load reports it here, after construction: fall back and retry.
        worker.onerror = () => this.failed(worker, mode === 'url' ? undefined : 'inline');
        this.mode = mode;
        return worker;
      } catch {
        // Refused (cross-origin URL, CSP): try the next way.
      }
    }
    this.mode = 'inline';
    return undefined;
  }

  private failed(worker: Worker, next: 'inline' | undefined): void {
    worker.terminate();
    if (worker !== this.worker) return;
    this.worker = next === 'inline' ? undefined : this.start(undefined);
    if (!this.worker) this.mode = 'inline';
    const pending = this.pending;
    if (pending) this.send(pending.request);
  }

  /** Lays `snapshot` out; resolves undefined when a newer request superseded this one, rejects if the layout failed. */
  layout(snapshot: GraphSnapshot, view: ViewMode, expanded: readonly string[]): Promise<Layout | undefined> {
    this.pending?.resolve(undefined);
    const seq = ++this.seq;
    // The worker does not need the hover text; leave it behind and put it back on return.
    const lean: GraphSnapshot = { ...snapshot, layers: snapshot.layers.map((l) => ({ ...l, details: [] })) };
    const request: LayoutRequest = { seq, snapshot: lean, options: { view, expanded } };
    return new Promise((resolve, reject) => {
      this.pending = { seq, resolve: (layout) => resolve(layout && hydrate(layout, snapshot)), reject, request };
      this.send(request);
    });
  }

  private send(request: LayoutRequest): void {
    if (this.worker) {
      this.worker.postMessage(request);
      return;
    }
    let reply: LayoutReply;
    try {
      reply = { seq: request.seq, layout: layoutModel(request.snapshot, request.options), ms: 0 };
    } catch (error) {
      reply = { seq: request.seq, error: String(error) };
    }
    queueMicrotask(() => this.receive(reply));
  }

  private receive(reply: LayoutReply): void {
    if (!this.pending || reply.seq !== this.pending.seq) return;
    const { resolve, reject } = this.pending;
    this.pending = undefined;
    if ('layout' in reply) resolve(reply.layout);
    else reject(new Error(reply.error));
  }

  dispose(): void {
    this.worker?.terminate();
  }
}

/** Puts the full layers (with hover text) back into a layout computed from a lean snapshot. */
function hydrate(layout: Layout, snapshot: GraphSnapshot): Layout {
  const byId = new Map<string, ViewLayer>(snapshot.layers.map((l) => [l.id, l]));
  for (const box of layout.boxes) {
    box.layer = byId.get(box.layer.id) ?? box.layer;
    box.folded = box.folded.map((f) => byId.get(f.id) ?? f);
  }
  return layout;
}
