// The UI in a real browser: the packaged .vsix installed into code-server, driven by chromium.
// `npm run test:e2e` packages first; screenshots of every step land in test/e2e/screenshots/.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../harness/codeServer.mjs';
import { Workbench, serveExtension, slug } from './workbench.mjs';

describe('Singer view in the browser', function () {
  let server;
  let browser;
  let wb;

  before(async function () {
    // An empty workspace: no .singer/db.json, so the Integrations view shows its welcome content.
    ({ server, browser } = await serveExtension({ folder: makeTempDir('singer-e2e-empty-') }));
  });

  after(async function () {
    await browser?.close();
    await server?.stop();
  });

  beforeEach(async function () {
    wb = new Workbench(await browser.newPage(), slug(this.currentTest.title).slice(0, 40));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb.shot('FAILED');
    await wb?.page.close();
  });

  it('shows the welcome view in an empty workspace, and Create Integration opens its quick input', async function () {
    await wb.open(server.folderUrl());
    await wb.openSingerView();
    const welcome = wb.page.locator('.welcome-view-content');
    await welcome.getByText('Singer replicates data from a tap').waitFor({ timeout: 30_000 });
    const button = welcome.getByRole('button', { name: 'Create Integration' });
    assert.equal(await button.isVisible(), true, 'Create Integration button is not visible');
    await wb.statusbar.getByText('Singer', { exact: true }).waitFor({ timeout: 30_000 });
    await button.click();
    await wb.quickInput.getByText('A name for the integration').waitFor({ timeout: 15_000 });
    await wb.shot('create-integration');
    await wb.page.keyboard.press('Escape');
  });

  it('offers once to import the Meltano project of a workspace without integrations, and imports it', async function () {
    const project = makeTempDir('singer-e2e-meltano-');
    writeFileSync(
      join(project, 'meltano.yml'),
      'version: 1\ndefault_environment: dev\nenvironments:\n- name: dev\nplugins:\n  extractors:\n  - name: tap-demo\n    namespace: tap_demo\n    executable: tap-demo\n' +
        '  loaders:\n  - name: target-demo\n    namespace: target_demo\n    executable: target-demo\njobs:\n- name: nightly\n  tasks:\n  - tap-demo target-demo\n',
    );
    await wb.open(server.folderUrl(undefined, project));
    await wb.toasts.getByText('holds a Meltano project').waitFor({ timeout: 30_000 });
    await wb.shot('offer');
    await wb.toasts.getByRole('button', { name: 'Import' }).click();
    await wb.toasts.getByText(/Imported 1 integration/).waitFor({ timeout: 30_000 });
    await wb.openSingerView();
    await wb.treeRow('nightly').waitFor({ timeout: 30_000 });
    await wb.tree.getByText('Paused').first().waitFor({ timeout: 10_000 });
    await wb.shot('imported');
    // What the import wrote: the job's pipeline as an integration, created paused, with Meltano's executables.
    const db = JSON.parse(readFileSync(join(project, '.singer', 'db.json'), 'utf8'));
    assert.deepEqual(
      db.integrations.map((i) => [i.name, i.paused, i.tap[0], i.target[0]]),
      [['nightly', true, 'tap-demo', 'target-demo']],
    );
  });
});
