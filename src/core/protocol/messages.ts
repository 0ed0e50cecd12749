/**
 * The messages that cross between the extension host and the webviews, as typed unions keyed
 * on `type` (the shape VS Code's Markdown preview uses). Types only: both sides `import type`
 * this file, so no runtime code crosses. Every document-bound message carries the document URI
 * and version so a webview can drop updates that arrive for an older version.
 */

import type { ActivationPlan } from '../analysis/activationPlan';

/** A document the host has analysed, identified as the webviews see it. */
export interface DocumentRef {
  readonly uri: string;
  readonly version: number;
  /** File name for titles, e.g. `resnet.py`. */
  readonly name: string;
}

/** One layer application as the views draw it; filled from the Analysis, never computed by a view. */
export interface ViewLayer {
  readonly id: string;
  readonly name: string;
  /** The framework's class or op name: `Conv2d`, `add`. */
  readonly kind: string;
  /** Colour and drawing family: conv, pool, norm, activation, elementwise, dense, reshape, merge, regularisation, other. */
  readonly category: string;
  /** Output shape in the framework's layout, e.g. `[1, 64, 112, 112]`; null for an unknown dim. */
  readonly outputShape: readonly (number | null)[] | null;
  /** Ids of the layers whose outputs this one consumes (graph inputs are left out). */
  readonly inputs: readonly string[];
  readonly params: number;
  readonly macs: number;
  /** Kernel and stride of a sliding window (conv, pool), for drawing the filter. */
  readonly kernel?: readonly number[];
  readonly stride?: readonly number[];
  /** Hover text: the shapes and the arithmetic, as the editor hover shows them. */
  readonly details: readonly string[];
  /** Zero-based line of the call in the document, for two-way selection. */
  readonly line?: number;
  /** Id of the innermost group (block, stage) it ran in; see GraphSnapshot.groups. */
  readonly group?: string;
  readonly problem?: string;
  /** Its part in a block the course draws specially: inverted residual, squeeze-excitation, projection shortcut. */
  readonly role?: 'expand' | 'depthwise' | 'project' | 'squeeze' | 'excite' | 'shortcut';
  /** Text for that part: `expand ×6`, `depthwise 3×3`, `project 1×1 · linear`. */
  readonly roleNote?: string;
}

/** A module containing layers (a block, a stage), for collapsing repeats. */
export interface ViewGroup {
  readonly id: string;
  /** `layer3`, `layer3.0`: the module path (Keras: the layer name). */
  readonly name: string;
  readonly className: string;
  readonly parent?: string;
}

export interface GraphSnapshot {
  readonly document: DocumentRef;
  readonly layers: readonly ViewLayer[];
  readonly groups?: readonly ViewGroup[];
  /** `channels_first` (PyTorch: N,C,H,W) or `channels_last` (Keras: N,H,W,C). */
  readonly layout?: 'channels_first' | 'channels_last';
  readonly model?: string;
  readonly input?: readonly (number | null)[];
  /** The model's totals, as the summary table's footer states them. */
  readonly totals?: { readonly params: number; readonly trainable: number; readonly nonTrainable: number; readonly macs: number };
  /** Shown when there is nothing to draw (no model found, analysis failed). */
  readonly message?: string;
}

export type ToGraphWebview =
  | { readonly type: 'snapshot'; readonly snapshot: GraphSnapshot }
  | { readonly type: 'highlight'; readonly uri: string; readonly layerIds: readonly string[] }
  /** Select these layers and bring the first into view, opening its stage if collapsed (hover's Reveal in Graph). */
  | { readonly type: 'focusLayer'; readonly uri: string; readonly layerIds: readonly string[] }
  | { readonly type: 'requestExport'; readonly format: 'svg' | 'png' }
  /** The preview was locked to its document or unlocked; the webview keeps it in its saved state. */
  | { readonly type: 'locked'; readonly locked: boolean };

export type FromGraphWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'revealLayer'; readonly uri: string; readonly version: number; readonly layerId: string }
  | { readonly type: 'exported'; readonly format: 'svg' | 'png'; readonly data: string }
  /** The webview's Export button: the host asks where to save and then requests the drawing. */
  | { readonly type: 'export'; readonly format: 'svg' | 'png' };

/** A bundled or workspace image the panel can run, as a URL the webview may load (webview resource or data URL). */
export interface ImageRef {
  readonly name: string;
  readonly url: string;
}

/** Loaded weights in the framework's own layout, keyed `${weightKey}/${name}` as the activation plan names them. */
export interface LoadedWeights {
  readonly name: string;
  readonly tensors: Readonly<Record<string, { readonly shape: readonly number[]; readonly data: Float32Array }>>;
  /** What did not fit: missing and unexpected keys, shape differences (empty when the file fits). */
  readonly problems: readonly string[];
}

export type ToActivationsWebview =
  | {
      readonly type: 'model';
      /** Null when there is nothing to run; `message` says why. */
      readonly plan: ActivationPlan | null;
      /** The same layers as the graph preview's, for names, categories and hover text. */
      readonly layers: readonly ViewLayer[];
      readonly images: readonly ImageRef[];
      readonly message?: string;
      /** The activation memory the panel may use, from `cnnLens.activations.memoryBudgetMB`. */
      readonly memoryBudgetBytes: number;
    }
  | { readonly type: 'image'; readonly image: ImageRef }
  | { readonly type: 'weights'; readonly weights: LoadedWeights }
  | { readonly type: 'weightsError'; readonly message: string }
  /** Select the first of these layers (the editor's cursor or the graph preview moved). */
  | { readonly type: 'highlight'; readonly uri: string; readonly layerIds: readonly string[] };

export type FromActivationsWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'backend'; readonly name: string; readonly error?: string }
  /** Ask the host for a PNG/JPEG from the workspace, or a weights file. */
  | { readonly type: 'pickImage' }
  | { readonly type: 'pickWeights' }
  /** The user stepped to a layer: reveal it in the editor (and so in the graph preview). */
  | { readonly type: 'selectLayer'; readonly uri: string; readonly layerId: string }
  | { readonly type: 'ran'; readonly backend: string; readonly buildMs: number; readonly runMs: number; readonly layers: number };
