// The product in the browser, as a user runs it: the demo's first job runs by itself; Start
// Extraction from the palette; the status bar spins; Stop Extraction through its modal; the
// Cancelled job's log opens read-only and coloured; Create Integration through the quick input;
// and a window reload mid-job stops the tap and says so in the log.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workbench, addDemo, cli, demoCopy, nextRunPattern, serveExtension, slug } from './workbench.mjs';

const jobs = (ws) => JSON.parse(cli(ws, 'jobs', 'demo', '--json'));

describe('running the demo in the browser', function () {
  let server;
  let browser;
  let wb;
  let demo;

  before(async function () {
    demo = demoCopy();
    addDemo(demo, '--frequency', '1h');
    ({ server, browser } = await serveExtension({ folder: demo, prefix: 'singer-e2e-run-' }));
  });

  after(async function () {
    await browser?.close();
    await server?.stop();
  });

  beforeEach(async function () {
    wb = new Workbench(await browser.newPage(), `run-${slug(this.currentTest.title).slice(0, 30)}`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb.shot('FAILED');
    await wb?.page.close();
  });

  it('the first job runs by itself; Start, the spinning status bar, Stop through the modal, the Cancelled log', async function () {
    await wb.open(server.folderUrl());
    await wb.openSingerView();
    // Rule 2: the window's scheduler starts the new integration's first job; no CLI involved.
    await wb.treeRow('demo').waitFor({ timeout: 30_000 });
    await wb.expand('demo');
    await wb.treeRow('#1 Succeeded').waitFor({ timeout: 60_000 });
    const { nextRunAt } = JSON.parse(cli(demo, 'list', '--json')).find((r) => r.name === 'demo');
    await wb.tree.getByText(nextRunPattern(nextRunAt)).waitFor({ timeout: 10_000 });
    await wb.shot('first-job');

    // A longer extraction, so there is time to stop it (config is read when each job starts).
    writeFileSync(join(demo, 'tap-config.json'), JSON.stringify({ record_count: 100000, sleep_seconds: 0.005 }));
    await wb.runCommand('Singer: Start Extraction');
    await wb.quickInput.locator('input[placeholder="Start an extraction of…"]').waitFor({ timeout: 10_000 });
    await wb.quickInput.locator('.monaco-list-row', { hasText: 'demo' }).waitFor({ timeout: 10_000 });
    await wb.shot('pick');
    await wb.page.keyboard.press('Enter');
    const spinning = wb.statusbar.getByText(/Singer: demo · [\d,]+ records?/);
    await spinning.waitFor({ timeout: 30_000 });
    await wb.tree.getByText(/^Running · [\d,]+ records?$/).waitFor({ timeout: 10_000 });
    assert.ok(await wb.statusbar.locator('.codicon-sync.codicon-modifier-spin, .codicon-sync~spin, [class*="spin"]').count(), 'the status bar icon does not spin');
    await wb.page.waitForTimeout(1500);
    await wb.shot('running');

    await wb.runCommand('Singer: Stop Extraction');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    await dialog.getByText('Stop the extraction of demo?').waitFor();
    await dialog.getByText(/target keeps running and loads what was already extracted/).waitFor();
    await wb.shot('modal');
    await dialog.getByRole('button', { name: 'Stop Extraction', exact: true }).click();
    await wb.toasts.getByText(/^demo: Cancelled, [\d,]+ records? loaded\.$/).waitFor({ timeout: 60_000 });
    await wb.shot('cancelled');
    const [newest] = jobs(demo);
    assert.equal(newest.status, 'Cancelled');
    const loaded = readFileSync(join(demo, 'output', 'events.jsonl'), 'utf8').trim().split('\n').length;
    assert.equal(loaded, 200 + newest.records.events, 'the target loaded exactly the records counted');

    await wb.treeRow('#2 Cancelled').click();
    const tab = wb.page.locator('.tabs-container .tab', { hasText: 'demo #2' });
    await tab.waitFor({ timeout: 15_000 });
    const editor = wb.page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-lines').waitFor({ timeout: 15_000 });
    assert.match(await wb.editorText(), /runner WARNING Stop Extraction: sending SIGTERM to the tap's process group/);
    // Coloured: time, source and level are tokens of their own colours (tokenising takes a moment).
    let colours = 0;
    for (let i = 0; i < 40 && colours < 3; i++) {
      colours = await editor.locator('.view-line span span').evaluateAll((spans) => new Set(spans.map((s) => getComputedStyle(s).color)).size);
      if (colours < 3) await wb.page.waitForTimeout(250);
    }
    assert.ok(colours >= 3, `the log has ${colours} colours`);
    // Read-only: typing changes nothing and VS Code says so.
    await editor.locator('.view-lines').click();
    await wb.page.keyboard.type('x');
    await wb.page.getByText(/Cannot edit in read-only editor/).first().waitFor({ timeout: 10_000 });
    await wb.shot('log');
  });

  it('Create Integration through the quick input; the new integration appears and its first job runs', async function () {
    await wb.open(server.folderUrl());
    await wb.openSingerView();
    await wb.statusbar.getByText(/Singer: next/).waitFor({ timeout: 30_000 });
    writeFileSync(join(demo, 'second-tap.json'), JSON.stringify({ record_count: 20, sleep_seconds: 0 }));
    await wb.runCommand('Singer: Create Integration');
    await wb.answer('second', 'A name for the integration');
    await wb.answer('python3 tap_demo.py', 'The tap to run');
    await wb.answer('nope.json', "The tap's config file");
    await wb.quickInput.getByText(/Tap config file nope\.json: the file does not exist/).waitFor({ timeout: 10_000 });
    await wb.shot('error-on-step');
    await wb.retry('second-tap.json');
    await wb.answer('python3 target_demo.py', 'The target to load into');
    await wb.answer('target-config.json', "The target's config file");
    await wb.quickInput.getByText('Every 6 hours').waitFor({ timeout: 10_000 });
    await wb.shot('frequency');
    await wb.quickInput.locator('input.input').fill('Every 6 hours');
    await wb.page.waitForTimeout(150);
    await wb.page.keyboard.press('Enter');
    await wb.toasts.getByText('Created the integration second.').waitFor({ timeout: 15_000 });
    await wb.treeRow('second').waitFor({ timeout: 15_000 });
    await wb.expand('second');
    await wb.tree.locator('.monaco-list-row[aria-level="2"]', { hasText: '#1 Succeeded' }).first().waitFor({ timeout: 60_000 });
    await wb.shot('created');
    const row = JSON.parse(cli(demo, 'list', '--json')).find((r) => r.name === 'second');
    assert.equal(row.schedule, 'every 6h');
  });

  it('reloading the window mid-job stops the tap at once and says so in the job’s log', async function () {
    writeFileSync(join(demo, 'tap-config.json'), JSON.stringify({ record_count: 100000, sleep_seconds: 0.005 }));
    await wb.open(server.folderUrl());
    await wb.openSingerView();
    // The palette lists Start Extraction once the extension has read the integrations (a `when` clause).
    await wb.statusbar.getByText(/Singer: next/).waitFor({ timeout: 30_000 });
    await wb.runCommand('Singer: Start Extraction');
    await wb.quickInput.locator('.monaco-list-row', { hasText: 'demo' }).first().waitFor({ timeout: 10_000 });
    await wb.quickInput.locator('input.input').fill('demo');
    await wb.page.waitForTimeout(150);
    await wb.page.keyboard.press('Enter');
    await wb.statusbar.getByText(/Singer: demo · [\d,]+ records?/).waitFor({ timeout: 30_000 });
    const running = jobs(demo)[0];
    await wb.runCommand('Developer: Reload Window');
    await wb.page.getByRole('tab', { name: /^Singer/ }).waitFor({ timeout: 60_000 });
    // The job runs in a child process, which finishes writing it after the window has gone.
    const ended = await waitForJob(demo, running.id);
    assert.equal(ended.status, 'Cancelled');
    const log = readFileSync(join(demo, ended.logFile), 'utf8');
    assert.match(log, /VS Code is closing this window: stopping the extraction/);
    assert.match(log, /state saved to/);
    // The reloaded window shows the stopped job like any other: its log in the tree, the status bar idle.
    await wb.statusbar.getByText(/Singer: next/).waitFor({ timeout: 30_000 });
    await wb.expand('demo');
    await wb.tree.locator('.monaco-list-row[aria-level="2"]', { hasText: `#${Number(running.id)} Cancelled` }).first().waitFor({ timeout: 30_000 });
    await wb.shot('after-reload');
  });
});

async function waitForJob(ws, id) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const j = jobs(ws).find((x) => x.id === id);
    if (j && j.endedAt !== null) return j;
    if (Date.now() > deadline) throw new Error(`job ${id} did not end: ${JSON.stringify(j)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
