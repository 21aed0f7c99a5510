/** Start and Stop Extraction in the extension host, with real fixture programs (DESIGN rules 5, 8, 9, 16). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Job } from '../../src/core/model';
import type { IntegrationNode } from '../../src/vscode/integrationsTree';
import { addFixture, api, cleanFolder, entry, folder, folderPath, waitFor, writeJson } from './helpers';

describe('running jobs in the editor', function () {
  this.timeout(90_000);
  let confirmations: Array<{ message: string; detail: string; button: string }> = [];
  const realConfirm = { fn: undefined as undefined | ((m: string, d: string, b: string) => Promise<boolean>) };

  before(async () => {
    const a = await api();
    realConfirm.fn = a.ui.confirm;
    a.ui.confirm = async (message, detail, button) => {
      confirmations.push({ message, detail, button });
      return true;
    };
  });
  after(async () => {
    (await api()).ui.confirm = realConfirm.fn!;
  });
  beforeEach(() => {
    confirmations = [];
  });
  afterEach(cleanFolder);

  const arg = (name: string): { folder: string; name: string } => ({ folder: folder().uri.toString(), name });

  async function node(name: string): Promise<IntegrationNode> {
    const a = await api();
    const e = await entry();
    return waitFor(`the tree node of ${name}`, async () => {
      a.integrationsTree.refresh();
      await new Promise((r) => setTimeout(r, 100));
      await a.integrationsTree.getChildren();
      return a.integrationsTree.integrationNode(e, name);
    });
  }

  it('Start Extraction runs the job: the tree and the status bar follow it live, without rebuilding the tree; Stop Extraction (modal) cancels it', async () => {
    const a = await api();
    const out = await addFixture('live', { total: 3000, sleep: 0.004, state_every: 20 });
    const n = await node('live');
    const started = (await vscode.commands.executeCommand('singer.startExtraction', n)) as { jobId: string } | undefined;
    assert.ok(started, `not started: ${JSON.stringify(a.ui.shown.slice(-2))}`);
    assert.equal(started.jobId, '000001');

    const item = await waitFor('a Running description with records', () => {
      const i = a.integrationsTree.getTreeItem(n);
      return /^Running · [1-9][\d,]* records?$/.test(String(i.description)) ? i : undefined;
    });
    assert.equal(item.contextValue, 'integration.running.paused');
    await waitFor('the status bar to spin', () => /^\$\(sync~spin\) Singer: live · [\d,]+ records?$/.test(a.statusBar.item.text));
    // Progress for two seconds: the node updates, the tree is not rebuilt for it.
    const refreshes = a.integrationsTree.refreshes;
    const first = String(a.integrationsTree.getTreeItem(n).description);
    await new Promise((r) => setTimeout(r, 2000));
    assert.notEqual(String(a.integrationsTree.getTreeItem(n).description), first, 'the record count did not move');
    assert.ok(a.integrationsTree.refreshes - refreshes <= 1, `${a.integrationsTree.refreshes - refreshes} full refreshes while only progress happened`);

    // A second start is refused (rule 8), with the way to the running job's log.
    const again = await vscode.commands.executeCommand('singer.startExtraction', arg('live'));
    assert.equal(again, undefined);
    assert.match(a.ui.shown.at(-1)!.text, /live already has a job running \(job 000001/);

    const job = (await vscode.commands.executeCommand('singer.stopExtraction', n)) as Job;
    assert.equal(confirmations.length, 1);
    assert.equal(confirmations[0]!.button, 'Stop Extraction');
    assert.match(confirmations[0]!.message, /live/);
    assert.match(confirmations[0]!.detail, /target keeps running and loads what was already extracted/);
    assert.equal(job.status, 'Cancelled');
    const loaded = fs.readFileSync(out, 'utf8').trim().split('\n').length;
    assert.equal(loaded, job.records.items, 'the target loaded exactly the records counted');
    assert.match(a.ui.shown.at(-1)!.text, new RegExp(`^live: Cancelled, ${job.records.items!.toLocaleString('en-US')} records? loaded\\.$`));
    await waitFor('the tree to show the cancelled job', async () => {
      const kids = await a.integrationsTree.getChildren(await node('live'));
      return kids.length === 1 && a.integrationsTree.getTreeItem(kids[0]!).label === '#1 Cancelled';
    });
  });

  it('after a job whose tap wrote a line at a time, fast, the next relays on a thread in the editor too; Stop Extraction cancels it and nothing is lost', async () => {
    const a = await api();
    const out = await addFixture('threaded', { total: 5 });
    await vscode.commands.executeCommand('singer.startExtraction', arg('threaded'));
    const e = await entry();
    await waitFor('the first job to succeed', async () => (await e.workspace.rows()).find((r) => r.integration.name === 'threaded')?.lastJob?.status === 'Succeeded');
    // As the history reads after a job that relayed 766 MB written a line at a time (src/core/tapWrites.ts).
    const historyFile = folderPath('.singer', 'history', 'threaded.json');
    const history = JSON.parse(fs.readFileSync(historyFile, 'utf8')) as { jobs: Job[] };
    assert.equal(history.jobs.at(-1)!.tapWrites?.relay, 'event loop');
    history.jobs.at(-1)!.tapWrites = { relay: 'event loop', bytes: 766_000_000, reads: 12_800, smallReads: 2_900, readingMs: 2_800 };
    fs.writeFileSync(historyFile, JSON.stringify(history));
    writeJson('threaded-tap.json', { total: 3000, sleep: 0.004, state_every: 20 });

    const n = await node('threaded');
    const started = (await vscode.commands.executeCommand('singer.startExtraction', n)) as { jobId: string } | undefined;
    assert.equal(started?.jobId, '000002');
    await waitFor('a Running description with records', () => /^Running · [1-9][\d,]* records?$/.test(String(a.integrationsTree.getTreeItem(n).description)));
    const job = (await vscode.commands.executeCommand('singer.stopExtraction', n)) as Job;
    const log = fs.readFileSync(folderPath('.singer', 'logs', 'threaded', '000002.log'), 'utf8');
    assert.equal(job.status, 'Cancelled', `${job.error}\n${log}`);
    assert.equal(job.tapWrites?.relay, 'thread');
    assert.match(log, /runner INFO relaying on a thread/);
    const loaded = fs.readFileSync(out, 'utf8').trim().split('\n').length - 5;
    assert.equal(loaded, job.records.items, 'the target loaded exactly the records counted');
  });

  it('Show Extraction Log opens the log read-only, coloured as singer-log, and Python tracebacks link to their file and line', async () => {
    const a = await api();
    await addFixture('crashy', { total: 50, crash_after: 10 });
    await vscode.commands.executeCommand('singer.startExtraction', arg('crashy'));
    const e = await entry();
    await waitFor('the job to fail', async () => (await e.workspace.rows())[0]?.lastJob?.status === 'Failed');
    const editor = (await vscode.commands.executeCommand('singer.showLog', arg('crashy'))) as vscode.TextEditor;
    const doc = editor.document;
    assert.equal(doc.uri.scheme, 'singer-log');
    assert.equal(doc.uri.path, '/crashy #1');
    assert.equal(doc.languageId, 'singer-log');
    assert.match(doc.getText(), /tap ERROR .*RuntimeError: simulated crash mid-stream|tap INFO RuntimeError: simulated crash mid-stream/);
    const links = (await vscode.commands.executeCommand('vscode.executeLinkProvider', doc.uri)) as vscode.DocumentLink[];
    const toTap = links.find((l) => l.target?.fsPath.endsWith('tap_fixture.py'));
    assert.ok(toTap, `no link to the tap's source among ${links.length} links`);
    assert.match(toTap.target!.fragment, /^L\d+$/);
    // The failure was announced once, with Show Log and Start Again.
    assert.ok(a.notifications.shown.some((t) => /^crashy: job 1 failed: the tap failed/.test(t)), a.notifications.shown.join('\n'));
  });

  it('a secret from SecretStorage reaches the tap and never its log; a missing one refuses the start and offers Set Secret', async () => {
    const a = await api();
    const seen = folderPath('secret.seen.json');
    const value = 'hunter2-from-secret-storage';
    await addFixture('secretive', { total: 5, print_config: true, config_file: seen, password: { $secret: 'EH_TEST_PW' } });
    await vscode.commands.executeCommand('singer.deleteSecret', 'EH_TEST_PW');
    assert.equal(await vscode.commands.executeCommand('singer.startExtraction', arg('secretive')), undefined);
    assert.match(a.ui.shown.at(-1)!.text, /secret "EH_TEST_PW", which is not set/);
    assert.equal(fs.existsSync(seen), false, 'the tap ran without its secret');

    assert.equal(await vscode.commands.executeCommand('singer.setSecret', 'EH_TEST_PW', value), true);
    await vscode.commands.executeCommand('singer.startExtraction', arg('secretive'));
    const e = await entry();
    const job = await waitFor('the job to end', async () => {
      const r = (await e.workspace.rows()).find((x) => x.integration.name === 'secretive');
      return r?.lastJob && r.lastJob.endedAt !== null ? r.lastJob : undefined;
    });
    assert.equal(job.status, 'Succeeded', job.error ?? '');
    assert.equal((JSON.parse(fs.readFileSync(seen, 'utf8')) as { password: string }).password, value);
    const log = fs.readFileSync(e.workspace.engine.paths.resolve(job.logFile!), 'utf8');
    assert.match(log, /config: .*\*\*\*/);
    assert.ok(!log.includes(value), 'the secret is in the log');
    await vscode.commands.executeCommand('singer.deleteSecret', 'EH_TEST_PW');
  });

  it('a change of singer.defaultReplicationFrequency re-plans at once; Pause and Resume follow the tree', async () => {
    const a = await api();
    const e = await entry();
    await addFixture('planned', { total: 2 });
    await vscode.commands.executeCommand('singer.startExtraction', arg('planned'));
    const done = await waitFor('the job to end', async () => {
      const r = (await e.workspace.rows()).find((x) => x.integration.name === 'planned');
      return r?.lastJob?.status === 'Succeeded' ? r.lastJob : undefined;
    });
    await vscode.commands.executeCommand('singer.resumeIntegration', arg('planned'));
    const start = Date.parse(done.startedAt);
    await waitFor('next run an hour after the start', async () => (await e.workspace.rows())[0]?.nextRunAt?.getTime() === start + 3_600_000);
    const config = vscode.workspace.getConfiguration('singer', folder().uri);
    await config.update('defaultReplicationFrequency', '6h', vscode.ConfigurationTarget.WorkspaceFolder);
    try {
      await waitFor('next run six hours after the start', async () => (await e.workspace.rows())[0]?.nextRunAt?.getTime() === start + 6 * 3_600_000);
      const n = await node('planned');
      await waitFor('the tree to say next …', () => /^next (\w{3} )?\d\d:\d\d$/.test(String(a.integrationsTree.getTreeItem(n).description)));
    } finally {
      await config.update('defaultReplicationFrequency', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    }
    await vscode.commands.executeCommand('singer.pauseIntegration', arg('planned'));
    await waitFor('Paused in the tree', async () => a.integrationsTree.getTreeItem(await node('planned')).description === 'Paused');
    assert.equal(a.statusBar.item.text, '$(debug-pause) Singer: paused');
  });

  it('Reset Replication State and Delete Integration ask first, and are refused while a job runs', async () => {
    const a = await api();
    const e = await entry();
    await addFixture('gone', { total: 2000, sleep: 0.005 });
    writeJson('.singer/state/gone.json', { bookmarks: { items: { last_id: 1 } } });
    await vscode.commands.executeCommand('singer.startExtraction', arg('gone'));
    assert.equal(await vscode.commands.executeCommand('singer.deleteIntegration', arg('gone')), undefined);
    assert.match(a.ui.shown.at(-1)!.text, /has a job running/);
    await vscode.commands.executeCommand('singer.stopExtraction', arg('gone'));
    assert.equal(await vscode.commands.executeCommand('singer.resetState', arg('gone')), true);
    assert.equal(confirmations.at(-1)!.button, 'Reset Replication State');
    assert.equal(fs.existsSync(folderPath('.singer/state/gone.json')), false);
    assert.equal(await vscode.commands.executeCommand('singer.deleteIntegration', arg('gone')), true);
    assert.equal(confirmations.at(-1)!.button, 'Delete Integration');
    assert.deepEqual(await e.workspace.rows(), []);
  });
});
