/**
 * The setup every E2E suite shares: a code-server with the freshly packaged extension installed
 * (CNN_LENS_VSIX, set by test/run.mjs) and `samples/` as its workspace, opened in Chromium before
 * the suite and closed after it, with a screenshot of any failed test in the artifacts. Returns
 * the page through a getter, valid once `before` has run.
 */
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { projectRoot, startCodeServer, type CodeServer } from './codeServer';
import { openWorkbench, screenshot, type Workbench } from './workbench';

export function samplesWorkbench(options: { settings?: Record<string, unknown>; viewport?: { width: number; height: number } } = {}): { readonly page: Page; readonly workspace: string } {
  let server: CodeServer | undefined;
  let bench: Workbench | undefined;
  before(async () => {
    const vsix = process.env.CNN_LENS_VSIX;
    if (!vsix) throw new Error('CNN_LENS_VSIX is not set: run the E2E suite through `npm test` (test/run.mjs builds the .vsix)');
    // The editor's analysis stops at a 200 ms deadline, which MobileNetV2's construction can reach on
    // a busy 2-core machine (tfjs running in a webview beside it): the suites check what is drawn,
    // not how fast, so they give every analysis room. Budgets themselves are tested in steps.
    const settings = { 'cnnLens.maxAnalysisTimeMs': 5000, ...options.settings };
    server = await startCodeServer({ vsix, workspaceFrom: [join(projectRoot, 'samples')], settings });
    bench = await openWorkbench(server.url, options.viewport);
  });
  afterEach(async function () {
    // What the user would have seen when a test failed, for the artifacts.
    if (this.currentTest?.state === 'failed' && bench) await screenshot(bench.page, `failed-${this.currentTest.title.replace(/[^\w]+/g, '-').slice(0, 60)}`).catch(() => undefined);
  });
  after(async () => {
    await bench?.close();
    await server?.stop();
  });
  return {
    get page(): Page {
      if (!bench) throw new Error('the workbench is not open yet');
      return bench.page;
    },
    get workspace(): string {
      if (!server) throw new Error('code-server is not running yet');
      return server.workspace;
    },
  };
}
