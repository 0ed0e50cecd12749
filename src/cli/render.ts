/**
 * `cnn-lens render FILE -o OUT.svg|OUT.png`: draws one model exactly as the graph preview does.
 * It takes the render flags on top of the shared ones, analyses the file (common.ts), builds the
 * snapshot the preview would be sent for the model (the core's `modelSnapshot`, as
 * src/extension/snapshots.ts calls it) and hands it to the drawing bundle (cliRenderer.ts,
 * required only here) for the SVG text. SVG is written as is; PNG is that SVG rasterised at 2×
 * by @resvg/resvg-js, a native module loaded only for PNG and kept out of the bundle.
 */
import { writeFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { modelSnapshot } from '../core/analysis/viewGraph';
import type { DrawOptions } from './cliRenderer';
import { analyzeFile, exitFailure, exitUsage, parseCommandLine, type CliIo } from './common';

/** The largest PNG side written: beyond it image viewers and browsers start to refuse. */
export const maxPngSide = 16384;
const pngZoom = 2;

/** The drawing bundle (dist/cliRenderer.js next to dist/cli.js; cliRenderer.ts under tsx), loaded on first use. */
function loadDrawing(): typeof import('./cliRenderer') {
  return require('./cliRenderer.js') as typeof import('./cliRenderer');
}

/** How the PNG rasteriser is loaded; a test replaces it to see the message when it is missing. */
export const rasteriser = {
  load: (): typeof import('@resvg/resvg-js') => require('@resvg/resvg-js'),
};

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A flag whose value is one of a few words. */
function choice<T extends string>(flag: string, allowed: readonly T[], set: (value: T) => void): (value: string) => string | undefined {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) return `${flag} must be ${allowed.join(' or ')}, got '${value}'`;
    set(value as T);
    return undefined;
  };
}

export async function render(argv: readonly string[], io: CliIo): Promise<number> {
  const own: Writable<DrawOptions> & { output?: string } = { view: 'volumes', expand: 'none', theme: 'light' };
  const output = (v: string) => {
    own.output = v;
    return undefined;
  };
  const parsed = parseCommandLine(argv, {
    '-o': output,
    '--output': output,
    '--view': choice('--view', ['volumes', 'graph'], (v) => (own.view = v)),
    '--expand': choice('--expand', ['none', 'all'], (v) => (own.expand = v)),
    '--theme': choice('--theme', ['light', 'dark'], (v) => (own.theme = v)),
  });
  const usageError = (message: string) => {
    io.err(`cnn-lens render: ${message}\n`);
    return exitUsage;
  };
  if ('error' in parsed) return usageError(parsed.error);
  if (!own.output) return usageError('missing -o OUT.svg or -o OUT.png');
  const ext = extname(own.output).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') return usageError(`cannot tell the format of '${own.output}': the output must end in .svg or .png`);
  const { file, options } = parsed;

  const result = await analyzeFile(file, options, io);
  if (!result) return exitFailure;
  const [model, ...others] = result.models;
  if (others.length) {
    io.err(`cnn-lens render: drew ${model.name}, the first of ${result.models.length} models in ${file}; the others: ${others.map((m) => m.name).join(', ')} (pick one with --model NAME)\n`);
  }
  if (model.stopped) io.err(`cnn-lens render: ${model.name}: ${model.stopped}; the drawing shows what was reached\n`);

  let svg: string;
  try {
    // The snapshot the preview would be sent for this model (see src/extension/snapshots.ts).
    const path = resolve(file);
    const snapshot = modelSnapshot(model.analysis, { uri: pathToFileURL(path).href, version: 0, name: basename(path) }, `${model.name} (${model.framework})`, model.inputs[0]);
    svg = loadDrawing().drawSvg(snapshot, own);
  } catch (error) {
    io.err(`cnn-lens render: drawing ${model.name} failed: ${(error as Error).stack ?? error}\n`);
    return exitFailure;
  }

  let bytes: string | Buffer = svg;
  if (ext === '.png') {
    const png = rasterise(svg, io);
    if (!png) return exitFailure;
    bytes = png;
  }
  try {
    writeFileSync(own.output, bytes);
  } catch (error) {
    io.err(`cnn-lens render: cannot write ${own.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    return exitFailure;
  }
  return 0;
}

/** The SVG as PNG at 2×, or less when that would pass `maxPngSide`; undefined (said on io.err) when resvg cannot be loaded. */
function rasterise(svg: string, io: CliIo): Buffer | undefined {
  let resvg: typeof import('@resvg/resvg-js');
  try {
    resvg = rasteriser.load();
  } catch (error) {
    io.err(`cnn-lens render: PNG output needs the @resvg/resvg-js package, which could not be loaded (${(error as Error).message.split('\n')[0]}).\nInstall it with \`npm install @resvg/resvg-js\`, or write .svg instead.\n`);
    return undefined;
  }
  const { width, height } = svgSize(svg);
  const zoom = pngZoomFor(width, height);
  if (zoom < pngZoom) {
    io.err(`cnn-lens render: the drawing is ${width}×${height} px; at ${pngZoom}× a side would pass ${maxPngSide} px, so it is rasterised at ${zoom}× (about ${Math.round(width * zoom)}×${Math.round(height * zoom)} px)\n`);
  }
  return new resvg.Resvg(forResvg(svg), { fitTo: { mode: 'zoom', value: zoom }, font: { loadSystemFonts: true } }).render().asPng();
}

/** 2×, or the largest zoom (to 1/10000, rounded down so resvg's own rounding cannot step over) that keeps both sides within `maxPngSide`. */
export function pngZoomFor(width: number, height: number): number {
  const largest = Math.max(width, height);
  return largest * pngZoom <= maxPngSide ? pngZoom : Math.floor((maxPngSide / largest) * 10_000) / 10_000;
}

/**
 * The SVG with every font-family list written so resvg reads it as a browser does. resvg-js 2.6
 * does not recognise a quoted family that follows a comma and a space (`Consolas, 'DejaVu Sans
 * Mono', monospace`): the whole list is dropped and the text is set in its default font
 * (Liberation Sans here, with DejaVu Serif for ∝ ₂ ⊕), and once that has happened in a
 * document, other lists naming that family can be set wrongly too. The same list with names
 * unquoted (`Consolas,DejaVu Sans Mono,monospace`) means the same in CSS and resvg reads it.
 */
export function forResvg(svg: string): string {
  const list = (value: string) =>
    value
      .split(',')
      .map((name) => {
        const family = name.trim();
        const inner = /^(['"])(.*)\1$/.exec(family)?.[2];
        // Unquoted only where CSS allows it (words that start with a letter); else kept quoted, with no space before it.
        return inner !== undefined && /^[A-Za-z][\w-]*( [A-Za-z][\w-]*)*$/.test(inner) ? inner : family;
      })
      .join(',');
  const declarations = (css: string) => css.replace(/(font-family\s*:\s*)([^;}]+)/g, (_, prefix: string, value: string) => prefix + list(value.trim()) + (/\s$/.test(value) ? ' ' : ''));
  return svg
    .replace(/(<style\b[^>]*>)([\s\S]*?)(<\/style>)/g, (_, open: string, css: string, close: string) => open + declarations(css) + close)
    .replace(/(\sstyle=")([^"]*)(")/g, (_, open: string, css: string, close: string) => open + declarations(css.replace(/&quot;/g, '"')).replace(/"/g, '&quot;') + close)
    .replace(/(\sfont-family=")([^"]*)(")/g, (_, open: string, value: string, close: string) => open + list(value.replace(/&quot;/g, '"')).replace(/"/g, '&quot;') + close);
}

/** The drawing's size in CSS pixels, from the root element's width and height. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const attr = (name: string) => Number(new RegExp(`\\s${name}="([\\d.]+)"`).exec(root)?.[1] ?? 0);
  return { width: attr('width'), height: attr('height') };
}
