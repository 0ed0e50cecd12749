// Timing helpers for the benches' in-page scripts (bundled for the browser): a clock, a forced
// garbage collection where Chromium exposes one (--js-flags=--expose-gc), and a promise that
// resolves once the next frame has been painted.
export const now = () => performance.now();
export const collect = () => globalThis.gc?.();

/** Resolves once the frame after this call has been painted (its rAF ran, then the paint; then this task). */
export const painted = () =>
  new Promise((resolve) =>
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(0);
    }),
  );
