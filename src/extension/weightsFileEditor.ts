/**
 * A weights file opened in VS Code shows what it holds instead of "binary file": a read-only view
 * listing every tensor of a `.safetensors` file or a `torch.save` checkpoint (`.pt`, `.pth`,
 * `.ckpt`) — name, role, dtype, shape, elements, bytes — with the totals, the parameters and buffers
 * `model.parameters()` and `model.buffers()` would count (roles told apart by torch.nn's buffer
 * names, which the page says) and, for safetensors, the file's metadata, the way Netron lists a
 * weights file. Only the index is read (a header; a
 * checkpoint's zip directory and pickle, read as data, never run), so a multi-gigabyte checkpoint
 * opens at once. The page is plain HTML with no script; checking the file against a model is done
 * from the model's source (CNN Lens: Check Weights Against Model…).
 */
import * as vscode from 'vscode';
import { loadEngine } from './analysisService';
import { isTorchCheckpoint, readSafetensorsHeaderFile, withFileSource } from '../node/weightsFile';
import { escapeHtml, renderStaticWebviewHtml } from './webviewHtml';

export const weightsFileViewType = 'cnnLens.weightsFile';

interface Row {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly elements: number;
  readonly bytes?: number;
}

interface Listing {
  readonly rows: readonly Row[];
  /** What the file is, in a few words (a checkpoint says where its state_dict was). */
  readonly kind: string;
  readonly metadata: Readonly<Record<string, string>>;
}

class WeightsFileDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    readonly listing: Listing | { error: string },
  ) {}
  dispose(): void {}
}

export class WeightsFileEditorProvider implements vscode.CustomReadonlyEditorProvider<WeightsFileDocument> {
  constructor(private readonly extensionUri: vscode.Uri) {}

  static register(extensionUri: vscode.Uri): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(
      weightsFileViewType,
      new WeightsFileEditorProvider(extensionUri),
      { supportsMultipleEditorsPerDocument: true },
    );
  }

  async openCustomDocument(uri: vscode.Uri): Promise<WeightsFileDocument> {
    try {
      return new WeightsFileDocument(uri, await listingOf(uri));
    } catch (error) {
      return new WeightsFileDocument(uri, { error: (error as Error).message });
    }
  }

  resolveCustomEditor(document: WeightsFileDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = {
      enableScripts: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    const name = document.uri.path.split('/').pop() ?? 'weights';
    panel.webview.html = renderStaticWebviewHtml(panel.webview, this.extensionUri, {
      stylesheet: 'weights.css',
      title: name,
      body: pageBody(name, document.listing),
    });
  }
}

async function listingOf(uri: vscode.Uri): Promise<Listing | { error: string }> {
  const engine = loadEngine();
  if (isTorchCheckpoint(uri.path)) {
    const read =
      uri.scheme === 'file'
        ? withFileSource(uri.fsPath, engine.readTorchCheckpoint)
        : engine.readTorchCheckpoint(engine.bytesSource(await vscode.workspace.fs.readFile(uri)));
    if ('error' in read) return read;
    const sizes: Readonly<Record<string, number>> = engine.dtypeSizes;
    const rows = [...read.tensors].map(([name, t]) => {
      const elements = t.shape.reduce((n, d) => n * d, 1);
      return {
        name,
        dtype: t.dtype,
        shape: t.shape,
        elements,
        bytes: t.dtype in sizes ? elements * sizes[t.dtype] : undefined,
      };
    });
    return {
      rows,
      kind: `A PyTorch checkpoint${read.path ? `; the state_dict is under '${escapeHtml(read.path)}'` : ''}`,
      metadata: {},
    };
  }
  const header =
    uri.scheme === 'file'
      ? await readSafetensorsHeaderFile(uri.fsPath, engine.readSafetensorsHeader)
      : engine.readSafetensorsHeader(await vscode.workspace.fs.readFile(uri));
  if ('error' in header) return header;
  return { rows: engine.tensorRows(header), kind: 'A safetensors file', metadata: header.metadata };
}

function pageBody(name: string, listing: Listing | { error: string }): string {
  if ('error' in listing)
    return `<h1>${escapeHtml(name)}</h1><p class="error">This file cannot be read: ${escapeHtml(listing.error)}</p>`;
  const { formatBytes, formatInt, shapeText, stateDictRoles, rolesInferredNote } = loadEngine();
  const { rows } = listing;
  const elements = rows.reduce((n, r) => n + r.elements, 0);
  const bytes = rows.every((r) => r.bytes !== undefined) ? rows.reduce((n, r) => n + r.bytes!, 0) : undefined;
  const dtypes = [...new Set(rows.map((r) => r.dtype))].join(', ');
  const metadata = Object.entries(listing.metadata);
  const split = stateDictRoles(new Map(rows.map((r) => [r.name, r])));
  const kinds = [...split.buffersByName]
    .map(([buffer, r]) => `${escapeHtml(buffer)} ${formatInt(r.elements)}`)
    .join(', ');
  const count = (n: number) => `${formatInt(n)} ${n === 1 ? 'tensor' : 'tensors'}`;
  return `<h1>${escapeHtml(name)}</h1>
<p class="totals">${formatInt(rows.length)} tensors · ${formatInt(elements)} elements${bytes === undefined ? '' : ` · ${escapeHtml(formatBytes(bytes))}`} of ${escapeHtml(dtypes || 'no')} data</p>
<p class="roles"><span class="params">Parameters: ${formatInt(split.parameters.elements)}</span> (${count(split.parameters.tensors)}) · <span class="buffers">Buffers: ${formatInt(split.buffers.elements)}</span> (${count(split.buffers.tensors)}${kinds ? `: ${kinds}` : ''})</p>
<p class="roles-note">${escapeHtml(rolesInferredNote.replace(/^r/, 'R'))}.</p>
<p class="hint">${listing.kind}. To check it against a model, open the model's PyTorch source and run <b>CNN Lens: Check Weights Against Model…</b></p>
${metadata.length ? `<dl>${metadata.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>` : ''}
<table>
<thead><tr><th>Tensor</th><th>Role</th><th>Dtype</th><th>Shape</th><th class="n">Elements</th><th class="n">Bytes</th></tr></thead>
<tbody>
${rows.map((r) => `<tr${split.roles.get(r.name) === 'buffer' ? ' class="buffer"' : ''}><td>${escapeHtml(r.name)}</td><td>${split.roles.get(r.name) ?? ''}</td><td>${escapeHtml(r.dtype)}</td><td>${escapeHtml(shapeText(r.shape))}</td><td class="n">${formatInt(r.elements)}</td><td class="n">${r.bytes === undefined ? '?' : escapeHtml(formatBytes(r.bytes))}</td></tr>`).join('\n')}
</tbody>
</table>`;
}
