/**
 * Picks and starts the tfjs backend for this webview, explicitly: webgl when the page has a
 * hardware WebGL context (a real GPU makes it the fastest), else wasm (SIMD, single-threaded:
 * webviews are not cross-origin isolated), else cpu. On machines with no GPU, WebGL runs on a
 * software rasteriser and is slower than wasm, so a software renderer counts as "no webgl".
 * Each attempt is bounded in time so that a backend that never settles cannot hang the panel.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export interface BackendChoice {
  readonly name: string;
  /** Why earlier candidates were passed over. */
  readonly notes: string[];
}

const startTimeoutMs = 10_000;

export async function startBackend(wasmFolderUrl: string): Promise<BackendChoice> {
  const notes: string[] = [];
  setWasmPaths(wasmFolderUrl);
  const candidates = hasHardwareWebGl() ? ['webgl', 'wasm', 'cpu'] : ['wasm', 'cpu'];
  if (candidates[0] !== 'webgl') notes.push('webgl skipped: no hardware WebGL context');
  for (const name of candidates) {
    try {
      if (await withTimeout(tf.setBackend(name), startTimeoutMs)) {
        await tf.ready();
        return { name, notes };
      }
      notes.push(`${name} did not start`);
    } catch (error) {
      notes.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(notes.join('; '));
}

function hasHardwareWebGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  return !/swiftshader|llvmpipe|software/i.test(renderer);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);
}
