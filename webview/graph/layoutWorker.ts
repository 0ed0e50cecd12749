/**
 * The layout worker: lays a snapshot out off the webview's main thread, so a 5,000-layer model
 * never freezes pan, zoom or typing in the editor. It receives a snapshot without hover text and
 * answers with the layout (structured clone keeps the boxes' links to each other).
 */
import { layoutModel, type LayoutOptions } from './layout';
import type { LayoutReply, LayoutRequest } from './layoutClient';

const scope = self as unknown as { onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null; postMessage(message: LayoutReply): void };

scope.onmessage = (event) => {
  const { seq, snapshot, options } = event.data;
  try {
    const started = performance.now();
    const layout = layoutModel(snapshot, options as LayoutOptions);
    scope.postMessage({ seq, layout, ms: performance.now() - started });
  } catch (error) {
    scope.postMessage({ seq, error: String(error) });
  }
};
