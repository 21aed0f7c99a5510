// Workspace Trust in the browser: in Restricted Mode the demo shows its integration and runs nothing;
// trusting the folder starts the scheduler, and the first job runs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, installExtension, launchChromium, makeTempDir, startCodeServer } from '../harness/codeServer.mjs';
import { VSIX, Workbench, demoCopy } from './workbench.mjs';

describe('Workspace Trust in the browser', function () {
  let server;
  let browser;
  let wb;
  let demo;

  before(async function () {
    assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first (npm run test:e2e does)`);
    const root = makeTempDir('singer-e2e-trust-');
    const extensionsDir = join(root, 'extensions');
    installExtension(VSIX, { extensionsDir, root });
    demo = demoCopy();
    execFileSync(process.execPath, [join(REPO, 'dist/cli.js'), '--workspace', demo, 'add', 'demo', '--tap', 'python3 tap_demo.py', '--target', 'python3 target_demo.py', '--tap-config', 'tap-config.json', '--target-config', 'target-config.json']);
    server = await startCodeServer({ folder: demo, extensionsDir, root, trust: true });
    browser = await launchChromium();
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
    assert.equal(JSON.parse(execFileSync(process.execPath, [join(REPO, 'dist/cli.js'), '--workspace', demo, 'jobs', 'demo', '--json'], { encoding: 'utf8' })).length, 0, 'a job ran in Restricted Mode');
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
