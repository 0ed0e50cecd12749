/**
 * The drawing half of `cnn-lens render`, built as its own bundle (dist/cliRenderer.js) and
 * required only when `render` runs, so the renderer, d3 and linkedom add nothing to the start-up
 * of `summary` or `--version`. It runs the graph preview's own code in Node — the webview's pure
 * `layoutModel` and its `standaloneSvg` exporter — on a headless linkedom document, with VS
 * Code's Light or Dark Modern colours, and returns the SVG text: a snapshot in, a file out.
 */
import { DOMParser } from 'linkedom';
import type { GraphSnapshot } from '../core/protocol/messages';
import { layoutModel, repeatedStages, type Layout, type ViewMode } from '../../webview/graph/layout';
import { lightPalette, type Palette } from '../../webview/graph/theme';

export type { ViewMode };

export interface DrawOptions {
  readonly view: ViewMode;
  /** Draw every stage of repeated blocks expanded, or all collapsed (the preview's default). */
  readonly expand: 'none' | 'all';
  readonly theme: 'light' | 'dark';
}

/** VS Code's Dark Modern theme, resolved the way an export from the preview in that theme is. */
export const darkPalette: Palette = {
  ...lightPalette,
  foreground: '#cccccc',
  description: '#9d9d9d',
  background: '#1f1f1f',
  link: '#707070',
  conv: '#3794ff',
  pool: '#89d185',
  dense: '#b180d7',
  reshape: '#cca700',
  merge: '#d18616',
  neutral: '#cccccc',
  error: '#f85149',
  focus: '#0078d4',
  kernel: '#f14c4c',
};

/**
 * The webview's exporter. It is `require`d rather than imported: standalone.ts and the drawing
 * code under it are typed against the DOM lib (webview/tsconfig.json), which the host/CLI
 * tsconfig does not have, so importing it would drag them into that program and fail on
 * `Document` and `SVGGElement`. esbuild bundles a literal `require` all the same. (layout.ts is
 * DOM-free and imported normally.)
 */
type StandaloneSvg = (document: unknown, snapshot: GraphSnapshot, layout: Layout, palette: Palette) => string;

function loadStandaloneSvg(): StandaloneSvg {
  const { standaloneSvg } = require('../../webview/graph/standalone') as { standaloneSvg?: StandaloneSvg };
  if (typeof standaloneSvg !== 'function') throw new Error('webview/graph/standalone.ts no longer exports standaloneSvg()');
  return standaloneSvg;
}

/**
 * A headless document to draw into. An XML (SVG) document, not an HTML one: linkedom serialises
 * the attributes of HTML documents the HTML way — only `"` is escaped (`&` and `<` are written
 * raw) and an empty boolean attribute such as `hidden=""` loses its value — which is not
 * well-formed XML. In an XML document it escapes `& < > "` and writes every `name="value"`.
 */
function headlessDocument(): unknown {
  return new DOMParser().parseFromString('<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'image/svg+xml');
}

/** The model in `snapshot` drawn as the preview draws it, as a standalone SVG file's text. */
export function drawSvg(snapshot: GraphSnapshot, options: DrawOptions): string {
  const expanded = options.expand === 'all' ? [...repeatedStages(snapshot).keys()] : [];
  const layout = layoutModel(snapshot, { view: options.view, expanded });
  return loadStandaloneSvg()(headlessDocument(), snapshot, layout, options.theme === 'dark' ? darkPalette : lightPalette);
}
