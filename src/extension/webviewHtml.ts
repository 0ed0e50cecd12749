/**
 * The one place that builds webview HTML and its Content-Security-Policy. Every render gets a
 * fresh nonce; scripts and styles load only from the extension's own `dist/webview` and `media`
 * folders through `asWebviewUri`. The single loosening, for the activations panel only, is
 * `'wasm-unsafe-eval'` plus `connect-src` to the wasm folder: the tfjs wasm backend must compile
 * its WebAssembly module and fetch the `.wasm` file, and nothing else needs either. Pages that are
 * only a document get no script at all.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export interface WebviewPage {
  readonly bundle: 'graph' | 'activations';
  readonly title: string;
  /** Allow tfjs's wasm backend (activations panel only). */
  readonly allowWasm?: boolean;
  /** A worker bundle in dist/webview the page may start (it falls back to a Blob of the same code). */
  readonly worker?: string;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableFindWidget: false,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(extensionUri, 'media'),
    ],
  };
}

export function renderWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
  const wasmFolder = asset('dist', 'webview', 'wasm') + '/';
  const csp = [
    `default-src 'none'`,
    `img-src ${webview.cspSource} data: blob:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'${page.allowWasm ? ` 'wasm-unsafe-eval'` : ''}`,
    `worker-src blob:`,
    page.allowWasm ? `connect-src ${webview.cspSource}` : `connect-src 'none'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" nonce="${nonce}" href="${asset('media', `${page.bundle}.css`)}">
  <title>${escapeHtml(page.title)}</title>
</head>
<body data-wasm-path="${escapeHtml(wasmFolder)}"${page.worker ? ` data-layout-worker="${escapeHtml(asset('dist', 'webview', page.worker))}"` : ''}>
  <main id="root"></main>
  <script nonce="${nonce}" src="${asset('dist', 'webview', `${page.bundle}.js`)}"></script>
</body>
</html>`;
}

/**
 * A page with no script at all, for views that are only a document (the weights file viewer): the
 * policy allows the extension's stylesheet and nothing else.
 */
export function renderStaticWebviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: { readonly stylesheet: string; readonly title: string; readonly body: string },
): string {
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', page.stylesheet)).toString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; font-src ${webview.cspSource}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${css}">
  <title>${escapeHtml(page.title)}</title>
</head>
<body>
${page.body}
</body>
</html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
