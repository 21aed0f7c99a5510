// The UI in a real browser: the packaged .vsix installed into code-server, driven by chromium.
// `npm run test:e2e` packages first; screenshots of every step land in test/e2e/screenshots/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, installExtension, launchChromium, makeTempDir, startCodeServer } from '../harness/codeServer.mjs';

const VSIX = join(REPO, 'singer-replication.vsix');
const SHOTS = join(REPO, 'test/e2e/screenshots');

describe('Singer view in the browser', function () {
  let server;
  let browser;
  let page;

  before(async function () {
    assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first (npm run test:e2e does)`);
    mkdirSync(SHOTS, { recursive: true });
    const root = makeTempDir('singer-e2e-');
    const extensionsDir = join(root, 'extensions');
    installExtension(VSIX, { extensionsDir, root });
    // An empty workspace: no .singer/db.json, so the Integrations view shows its welcome content.
    const empty = join(root, 'empty-workspace');
    mkdirSync(empty);
    server = await startCodeServer({ folder: empty, extensionsDir, root });
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await server?.stop();
  });

  beforeEach(async function () {
    page = await browser.newPage();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot(`${slug(this.currentTest.title)}-FAILED`);
    await page?.close();
  });

  async function shot(name) {
    await page.screenshot({ path: join(SHOTS, `${name}.png`) }).catch(() => {});
  }

  async function openWorkbench(url, name) {
    await page.goto(url);
    // The Singer entry appears in the activity bar once the extensions are scanned.
    await page.getByRole('tab', { name: /^Singer/ }).waitFor({ timeout: 60_000 });
    await shot(`${name}-1-workbench`);
  }

  async function openSingerView(name) {
    // The activity-bar entry of the contributed view container (role "tab", named by its title).
    await page.getByRole('tab', { name: /^Singer/ }).click();
    const sidebar = page.locator('#workbench\\.parts\\.sidebar');
    await sidebar.locator('.composite.title', { hasText: 'Singer' }).waitFor({ timeout: 30_000 });
    // A contributed view may start collapsed: expand it before looking inside. (Its header is
    // hidden while it is the container's only view; the container title stands in for it.)
    const header = sidebar.locator('.pane-header[aria-label^="Integrations"]');
    if ((await header.isVisible()) && (await header.getAttribute('aria-expanded')) === 'false') await header.click();
    // Let the view's progress bar finish (the tree asks the extension for its children first).
    await sidebar.locator('.monaco-progress-container.active').waitFor({ state: 'hidden', timeout: 30_000 });
    await shot(`${name}-2-singer-view`);
  }

  it('shows the welcome view with Create Integration in an empty workspace', async function () {
    await openWorkbench(server.folderUrl(), 'welcome');
    await openSingerView('welcome');
    const welcome = page.locator('.welcome-view-content');
    await welcome.getByText('Singer replicates data from a tap').waitFor({ timeout: 30_000 });
    const button = welcome.getByRole('button', { name: 'Create Integration' });
    assert.equal(await button.isVisible(), true, 'Create Integration button is not visible');
    // Activation (the view opened) puts the sync state into the status bar.
    await page.locator('#workbench\\.parts\\.statusbar').getByText('Singer', { exact: true }).waitFor({ timeout: 30_000 });
    await shot('welcome-3-ready');
    await button.click();
    await page.locator('.notifications-toasts').getByText('Create Integration: coming soon').waitFor({ timeout: 15_000 });
    await shot('welcome-4-create-clicked');
  });

  it('opens the demo workspace and shows its integration and extraction log in the Singer view', async function () {
    // A copy, so the test never writes into the repo's demo/ (nor sees its job output).
    const demo = makeTempDir('singer-e2e-demo-');
    cpSync(join(REPO, 'demo'), demo, {
      recursive: true,
      filter: (src) => !src.startsWith(join(REPO, 'demo', 'output')) && !src.startsWith(join(REPO, 'demo', '.singer')),
    });
    // The demo integration and one real job, made by the CLI as `npm start` and a user would.
    const cli = (...args) => execFileSync(process.execPath, [join(REPO, 'dist/cli.js'), '--workspace', demo, ...args], { encoding: 'utf8' });
    cli('add', 'demo', '--tap', 'python3 tap_demo.py', '--target', 'python3 target_demo.py', '--tap-config', 'tap-config.json', '--target-config', 'target-config.json', '--frequency', '1h');
    cli('run', 'demo');
    await openWorkbench(server.folderUrl(undefined, demo), 'demo');
    await openSingerView('demo');
    const tree = page.locator('.pane-body .monaco-list');
    await tree.getByText('demo', { exact: true }).waitFor({ timeout: 30_000 });
    await tree.getByText(/Scheduled · every 1h/).waitFor({ timeout: 10_000 });
    await tree.getByText('demo', { exact: true }).click();
    await tree.getByText('#1 Succeeded').waitFor({ timeout: 10_000 });
    await page.locator('#workbench\\.parts\\.statusbar').getByText('Singer', { exact: true }).waitFor({ timeout: 30_000 });
    await shot('demo-3-ready');
  });

  it('offers once to import the Meltano project of a workspace without integrations, and imports it', async function () {
    const project = makeTempDir('singer-e2e-meltano-');
    writeFileSync(
      join(project, 'meltano.yml'),
      'version: 1\ndefault_environment: dev\nenvironments:\n- name: dev\nplugins:\n  extractors:\n  - name: tap-demo\n    namespace: tap_demo\n    executable: tap-demo\n' +
        '  loaders:\n  - name: target-demo\n    namespace: target_demo\n    executable: target-demo\njobs:\n- name: nightly\n  tasks:\n  - tap-demo target-demo\n',
    );
    await openWorkbench(server.folderUrl(undefined, project), 'meltano-1-workbench');
    const toast = page.locator('.notifications-toasts').getByText('holds a Meltano project');
    await toast.waitFor({ timeout: 30_000 });
    await shot('meltano-2-offer');
    await page.locator('.notifications-toasts').getByRole('button', { name: 'Import' }).click();
    await page.locator('.notifications-toasts').getByText(/Imported 1 integration/).waitFor({ timeout: 30_000 });
    await openSingerView('meltano-3');
    await page.locator('.pane-body .monaco-list').getByText('nightly', { exact: true }).waitFor({ timeout: 30_000 });
    await shot('meltano-4-imported');
  });
});

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
