/**
 * Runs inside a downloaded VS Code (extension-development host): activates CNN Lens on a sample
 * and checks its commands are registered and that opening the graph preview works.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: true });
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  describe('CNN Lens in VS Code', () => {
    it('activates on a Python file and registers its commands', async () => {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
      const document = await vscode.workspace.openTextDocument(path.join(folder, 'lenet5_pytorch.py'));
      await vscode.window.showTextDocument(document);
      const extension = vscode.extensions.getExtension('cnn-lens.cnn-lens');
      assert.ok(extension, 'extension is installed');
      await extension.activate();
      const commands = await vscode.commands.getCommands(true);
      for (const id of ['cnnLens.openPreview', 'cnnLens.openPreviewToSide', 'cnnLens.stepThroughActivations', 'cnnLens.exportSvg', 'cnnLens.exportPng', 'cnnLens.showSummary']) assert.ok(commands.includes(id), id);
      await vscode.commands.executeCommand('cnnLens.openPreviewToSide');
    });
  });
  return new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve())));
}
