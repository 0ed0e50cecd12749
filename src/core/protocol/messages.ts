/**
 * The messages that cross between the extension host and the webviews, as typed unions keyed
 * on `type` (the shape VS Code's Markdown preview uses). Types only: both sides `import type`
 * this file, so no runtime code crosses. Every document-bound message carries the document URI
 * and version so a webview can drop updates that arrive for an older version.
 */

/** A document the host has analysed, identified as the webviews see it. */
export interface DocumentRef {
  readonly uri: string;
  readonly version: number;
  /** File name for titles, e.g. `resnet.py`. */
  readonly name: string;
}

/** One layer as the views draw it; filled from the Analysis. */
export interface ViewLayer {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  /** Output shape in the framework's layout, e.g. `[1, 64, 112, 112]`; null for an unknown dim. */
  readonly outputShape: readonly (number | null)[] | null;
}

export interface GraphSnapshot {
  readonly document: DocumentRef;
  readonly layers: readonly ViewLayer[];
  /** Shown when there is nothing to draw (no model found, analysis failed). */
  readonly message?: string;
}

export type ToGraphWebview =
  | { readonly type: 'snapshot'; readonly snapshot: GraphSnapshot }
  | { readonly type: 'requestExport'; readonly format: 'svg' | 'png' };

export type FromGraphWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'revealLayer'; readonly uri: string; readonly version: number; readonly layerId: string }
  | { readonly type: 'exported'; readonly format: 'svg' | 'png'; readonly data: string };

export type ToActivationsWebview = { readonly type: 'snapshot'; readonly snapshot: GraphSnapshot };

export type FromActivationsWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'backend'; readonly name: string; readonly error?: string };
