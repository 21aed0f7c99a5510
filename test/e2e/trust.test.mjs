// Workspace Trust in the browser: in Restricted Mode the demo shows its integration and runs nothing;
// trusting the folder starts the scheduler, and the first job runs.
import assert from 'node:assert/strict';
import { Workbench, addDemo, cli, demoCopy, serveExtension } from './workbench.mjs';

describe('Workspace Trust in the browser', function () {
  let server;
  let browser;
  let wb;
  let demo;

  before(async function () {
    demo = demoCopy();
    addDemo(demo);
    ({ server, browser } = await serveExtension({ folder: demo, prefix: 'singer-e2e-trust-', trust: true }));
    wb = new Workbench(await browser.newPage(), 'trust');
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') await wb?.shot('FAILED');
    await browser?.close();
    await server?.stop();
  });

  it('Restricted Mode runs nothing and says so; trusting the folder starts the first job', async function () {
    await wb.open(server.folderUrl());
    await wb.openSingerView();
    await wb.treeRow('demo').waitFor({ timeout: 30_000 });
    await wb.sidebar.getByText(/Restricted Mode: integrations and logs can be read/).waitFor({ timeout: 15_000 });
    await wb.tree.getByText('Pending').waitFor({ timeout: 10_000 });
    await wb.page.waitForTimeout(3000);
    assert.equal(JSON.parse(cli(demo, 'jobs', 'demo', '--json')).length, 0, 'a job ran in Restricted Mode');
    await wb.shot('restricted');

    await wb.runCommand('Workspaces: Manage Workspace Trust');
    const editor = wb.page.locator('.workspace-trust-editor');
    await editor.getByText('You are in Restricted Mode').waitFor({ timeout: 15_000 });
    await wb.shot('trust-editor');
    // The Trust editor opens as a modal; its own shortcut (shown under the button) grants trust.
    await editor.getByRole('button', { name: 'Trust', exact: true }).focus();
    await wb.page.keyboard.press('Control+Enter');
    await editor.getByText(/You trust this (folder|workspace)/).waitFor({ timeout: 15_000 });
    await wb.page.locator('.monaco-modal-editor-block .codicon-close, .monaco-modal-editor-block [aria-label^="Close"]').first().click();
    await wb.expand('demo');
    await wb.treeRow('#1 Succeeded').waitFor({ timeout: 60_000 });
    await wb.shot('trusted-first-job');
  });
});
