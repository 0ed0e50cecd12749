/**
 * Typed access to the webview's host channel. `acquireVsCodeApi` may be called once per page,
 * so both webviews get it here and keep persisted state (zoom, selection, document) in one place.
 */
declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

export interface HostChannel<ToHost, State> {
  post(message: ToHost): void;
  state(): State | undefined;
  saveState(state: State): void;
}

let api: ReturnType<typeof acquireVsCodeApi> | undefined;

export function hostChannel<ToHost, State>(): HostChannel<ToHost, State> {
  api ??= acquireVsCodeApi();
  const host = api;
  return {
    post: (message) => host.postMessage(message),
    state: () => host.getState() as State | undefined,
    saveState: (state) => host.setState(state),
  };
}

/** Listens for host messages, dropping anything that is not an object with a string `type`. */
export function onHostMessage<T extends { type: string }>(handler: (message: T) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as unknown;
    if (data && typeof data === 'object' && typeof (data as { type?: unknown }).type === 'string') handler(data as T);
  });
}
