/**
 * The drawing's stylesheet, written once against a palette. In the preview the palette is VS
 * Code's theme variables (so light, dark and high-contrast themes all read and follow a theme
 * switch); an export resolves those same variables to the colours on screen, and the CLI uses the
 * Light theme's colours. Because the sheet goes inside the SVG, an exported file is standalone:
 * no `var(--vscode-…)` is left for another viewer to miss.
 */

export type Token =
  | 'foreground'
  | 'description'
  | 'background'
  | 'link'
  | 'conv'
  | 'pool'
  | 'dense'
  | 'reshape'
  | 'merge'
  | 'neutral'
  | 'error'
  | 'focus'
  | 'kernel'
  | 'font'
  | 'mono';

export type Palette = Readonly<Record<Token, string>>;

/** The theme variable behind each token, with VS Code's Light theme value as the fallback. */
export const themeVariables: Readonly<Record<Token, readonly [string, string]>> = {
  foreground: ['--vscode-editor-foreground', '#3b3b3b'],
  description: ['--vscode-descriptionForeground', '#717171'],
  background: ['--vscode-editor-background', '#ffffff'],
  link: ['--vscode-editorIndentGuide-activeBackground', '#939393'],
  conv: ['--vscode-charts-blue', '#1a85ff'],
  pool: ['--vscode-charts-green', '#388a34'],
  dense: ['--vscode-charts-purple', '#652d90'],
  reshape: ['--vscode-charts-yellow', '#bf8803'],
  merge: ['--vscode-charts-orange', '#d18616'],
  neutral: ['--vscode-charts-foreground', '#616161'],
  error: ['--vscode-errorForeground', '#e51400'],
  focus: ['--vscode-focusBorder', '#005fb8'],
  kernel: ['--vscode-charts-red', '#e51400'],
  font: ['--vscode-font-family', "'Segoe UI', Ubuntu, 'DejaVu Sans', sans-serif"],
  mono: ['--vscode-editor-font-family', "Consolas, 'DejaVu Sans Mono', 'Courier New', monospace"],
};

/** The live palette: theme variables, falling back to the Light theme's colours. */
export const livePalette: Palette = Object.fromEntries(Object.entries(themeVariables).map(([token, [name, fallback]]) => [token, `var(${name}, ${fallback})`])) as Palette;

/** VS Code's Light theme, for drawings made outside VS Code (the CLI). */
export const lightPalette: Palette = Object.fromEntries(Object.entries(themeVariables).map(([token, [, fallback]]) => [token, fallback])) as Palette;

/** The live palette resolved against the page's computed theme, for export. */
export function resolvedPalette(read: (variable: string) => string): Palette {
  return Object.fromEntries(Object.entries(themeVariables).map(([token, [name, fallback]]) => [token, read(name).trim() || fallback])) as Palette;
}

export function graphStyleSheet(p: Palette): string {
  return `
svg.graph { background: ${p.background}; }
svg.graph text { fill: ${p.foreground}; font-size: 12px; font-family: ${p.font}; }
svg.graph.zooming text, svg.graph.tiny text { display: none; }
svg.graph text.title { font-size: 15px; font-weight: 600; }
svg.graph text.legend, svg.graph text.message { fill: ${p.description}; font-size: 11px; }
svg.graph text.label { font-size: 11px; font-family: ${p.mono}; }
svg.graph text.name { fill: ${p.description}; font-size: 10px; }
svg.graph text.role { fill: ${p.merge}; font-size: 10px; font-style: italic; }
svg.graph text.symbol { font-size: 14px; font-weight: 700; pointer-events: none; }
svg.graph text.stack-title { font-size: 11px; font-weight: 600; }
svg.graph tspan.toggle { fill: ${p.description}; font-weight: 400; }
.link { fill: none; stroke: ${p.link}; stroke-width: 1.5; }
.link.arc { stroke: ${p.merge}; stroke-width: 2; stroke-dasharray: 4 3; }
.link.side { stroke: ${p.merge}; }
g.volume { cursor: pointer; }
g.volume .face { stroke: ${p.foreground}; stroke-width: 0.6; stroke-opacity: 0.6; }
g.volume .face.top { opacity: 0.75; }
g.volume .face.side { opacity: 0.55; }
g.volume .face.ghost { opacity: 0.35; }
.cat-conv .face { fill: ${p.conv}; }
.cat-pool .face { fill: ${p.pool}; }
.cat-dense .face { fill: ${p.dense}; }
.cat-reshape .face { fill: ${p.reshape}; }
.cat-merge .face { fill: ${p.background}; stroke: ${p.merge}; stroke-width: 2; stroke-opacity: 1; }
.cat-input .face { fill: ${p.neutral}; fill-opacity: 0.45; }
.cat-norm .face, .cat-activation .face, .cat-elementwise .face, .cat-regularisation .face, .cat-other .face { fill: ${p.neutral}; }
g.volume.linear .face.front { stroke-dasharray: 3 2; stroke-width: 1.5; stroke-opacity: 1; }
g.volume.role-squeeze .face { opacity: 0.7; }
g.volume.problem .face { stroke: ${p.error}; stroke-width: 2.5; stroke-opacity: 1; }
g.volume.selected .face { stroke: ${p.focus}; stroke-width: 3; stroke-opacity: 1; }
g.volume:hover .face { stroke-opacity: 1; stroke-width: 1.5; }
g.kernel { pointer-events: none; }
g.kernel .kface { fill: ${p.kernel}; fill-opacity: 0.35; stroke: ${p.kernel}; stroke-width: 1; }
g.kernel line.projection { stroke: ${p.kernel}; stroke-width: 0.8; stroke-opacity: 0.7; }
g.kernel text.kernel-label { font-size: 9px; font-family: ${p.mono}; }
g.stage-frame rect { fill: none; stroke: ${p.description}; stroke-dasharray: 2 3; }
g.stage-frame text { fill: ${p.description}; font-size: 11px; cursor: pointer; }
svg.graph .node.face { stroke-opacity: 0.9; }
svg.graph text.node-title { font-size: 11px; }
svg.graph tspan.node-kind { font-weight: 600; }
svg.graph tspan.node-attrs, svg.graph text.node-detail { font-family: ${p.mono}; font-size: 10px; }
svg.graph text.edge-label { fill: ${p.description}; font-size: 9px; font-family: ${p.mono}; }
g.volume.node .face.front, g.volume.stack .face.node { fill-opacity: 0.25; }
`;
}
