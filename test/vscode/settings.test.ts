/**
 * Integration Settings (issue 14) in the extension host: the panel, the messages a page would post,
 * and what the host does with them: the database and the scheduler's next run change, conflicts are
 * refused, bad messages dropped. The page itself is driven in the browser by test/e2e/settings.test.mjs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SettingsForm } from '../../src/core/settingsForm';
import { SETTINGS_VIEW_TYPE, type SettingsPanel } from '../../src/vscode/settingsPanel';
import type { Snapshot, ToPage } from '../../src/webview/protocol';
import { REPO, TAP, TARGET, addFixture, api, cleanFolder, entry, folder, folderPath, waitFor, writeJson } from './helpers';

const HOUR = 3_600_000;

describe('Integration Settings panel', function () {
  this.timeout(60_000);
  afterEach(async () => {
    const a = await api();
    a.settings.closeAll();
    a.settings.pickFile = (o) => vscode.window.showOpenDialog(o);
    await cleanFolder();
  });

  const arg = (name: string): { folder: string; name: string } => ({ folder: folder().uri.toString(), name });

  /** Opens the panel as the tree's gear does and waits until its page has said ready. */
  async function open(name: string): Promise<SettingsPanel> {
    const a = await api();
    const opened = (await vscode.commands.executeCommand('singer.openSettings', arg(name))) as { folder: string; name: string } | undefined;
    assert.deepEqual(opened, arg(name));
    const p = a.settings.get(folder().uri.toString(), name)!;
    assert.ok(p, 'no panel');
    await waitFor('the page to say ready and get its snapshot', () => p.isReady && p.lastSnapshot());
    return p;
  }

  function last<T extends ToPage['type']>(p: SettingsPanel, type: T, seq?: number): Extract<ToPage, { type: T }> | undefined {
    return [...p.posted].reverse().find((m): m is Extract<ToPage, { type: T }> => m.type === type && (seq === undefined || (m as { seq?: number }).seq === seq));
  }

  async function ask<T extends 'checked' | 'saveResult'>(p: SettingsPanel, type: T, message: Record<string, unknown> & { seq: number }): Promise<Extract<ToPage, { type: T }>> {
    await p.receive(message);
    return waitFor(`${type} ${message.seq}`, () => last(p, type, message.seq));
  }

  /** An integration that ran once an hour ago (paused while it ran), now active: Scheduled, its next run on the grid. */
  async function scheduled(name: string): Promise<{ startedAt: number }> {
    const e = await entry();
    await addFixture(name, { total: 3 }, { everyMs: HOUR });
    const job = await (await e.workspace.engine.start(name, { trigger: 'manual' })).done;
    assert.equal(job.status, 'Succeeded', job.error ?? '');
    await e.workspace.engine.setPaused(name, false);
    return { startedAt: Date.parse(job.startedAt) };
  }

  async function nextRun(name: string): Promise<number | undefined> {
    const row = (await (await entry()).workspace.rows()).find((r) => r.integration.name === name);
    return row?.nextRunAt?.getTime();
  }

  it('opens one panel per integration, titled Settings: NAME, with a strict CSP; opening it again reveals the same panel', async () => {
    const a = await api();
    await addFixture('panel-demo', { total: 1 });
    const p = await open('panel-demo');
    assert.equal(p.panel.title, 'Settings: panel-demo');
    assert.equal(p.panel.viewType, SETTINGS_VIEW_TYPE);
    const html = p.panel.webview.html;
    assert.match(html, /default-src 'none'/);
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]{20,})'/.exec(html)?.[1];
    assert.ok(nonce, 'scripts are not limited to a nonce');
    assert.ok(html.includes(`<script nonce="${nonce}"`), 'the script does not carry the nonce');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    const source = p.panel.webview.cspSource;
    assert.deepEqual(csp.split('; ').slice(1, 4), [`style-src ${source}`, `font-src ${source}`, `img-src ${source}`]);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|data:/);
    const roots = (p.panel.webview.options.localResourceRoots ?? []).map((u) => path.relative(REPO, u.fsPath)).sort();
    assert.deepEqual(roots, ['dist/webview', 'media']);
    await vscode.commands.executeCommand('singer.openSettings', arg('panel-demo'));
    assert.equal(a.settings.get(folder().uri.toString(), 'panel-demo'), p, 'a second panel was opened');
    const s = p.lastSnapshot()!;
    assert.equal(s.name, 'panel-demo');
    assert.equal(s.form.tap, `python3 ${path.join(REPO, 'test/fixtures/tap_fixture.py')}`);
    assert.equal(s.status.syncStatus, 'Paused');
    assert.deepEqual(s.mappers, []);
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { activationEvents: string[] };
    assert.ok(manifest.activationEvents.includes(`onWebviewPanel:${SETTINGS_VIEW_TYPE}`), 'a reload could not restore the panel');
  });

  it('shows the mapper stages read-only; a job started in the editor runs through them; a save keeps them', async () => {
    const e = await entry();
    const mapper = ['python3', path.join(REPO, 'test/fixtures/mapper_fixture.py')];
    writeJson('mapped-tap.json', { total: 4, with_email: true });
    writeJson('mapped-target.json', { path: folderPath('mapped-out.jsonl') });
    writeJson('mapped.seen.json', { stream_maps: { items: { email: null } } });
    await e.workspace.engine.add({
      name: 'mapped',
      tap: [...TAP],
      target: [...TARGET],
      tapConfig: 'mapped-tap.json',
      targetConfig: 'mapped-target.json',
      catalog: null,
      mappers: [{ name: 'hide-emails', command: mapper, config: 'mapped.seen.json' }],
      env: {},
      schedule: { kind: 'default' },
      paused: true,
    });
    const p = await open('mapped');
    assert.deepEqual(p.lastSnapshot()!.mappers, [{ name: 'hide-emails', command: `python3 ${mapper[1]}`, config: 'mapped.seen.json' }]);
    const job = await (await e.workspace.engine.start('mapped', { trigger: 'manual' })).done;
    assert.equal(job.status, 'Succeeded', job.error ?? '');
    assert.deepEqual(job.records, { items: 4 });
    const loaded = fs.readFileSync(folderPath('mapped-out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(loaded.map((r) => Object.keys(r)), [['id'], ['id'], ['id'], ['id']], 'no email reached the target');
    const form: SettingsForm = { ...p.lastSnapshot()!.form, mode: 'interval', everyMs: 6 * HOUR };
    const saved = await ask(p, 'saveResult', { type: 'save', seq: 1, base: p.lastSnapshot()!.form, form });
    assert.equal(saved.outcome, 'saved', JSON.stringify(saved));
    const it = (await e.workspace.engine.read()).integrations.find((i) => i.name === 'mapped')!;
    assert.deepEqual(it.schedule, { kind: 'interval', everyMs: 6 * HOUR });
    assert.deepEqual(it.mappers.map((m) => m.name), ['hide-emails'], 'the save kept the mappers');
  });

  it('saving a new Replication Frequency writes the database and moves the scheduler’s next run at once', async () => {
    const { startedAt } = await scheduled('cadence');
    await waitFor('the next run one hour after the start', async () => (await nextRun('cadence')) === startedAt + HOUR);
    const p = await open('cadence');
    const base = p.lastSnapshot()!.form;
    assert.deepEqual([base.mode, base.everyMs], ['interval', HOUR]);
    const form: SettingsForm = { ...base, everyMs: 6 * HOUR };

    const checked = await ask(p, 'checked', { type: 'check', seq: 1, form });
    assert.deepEqual(checked.result.errors, {});
    assert.deepEqual(checked.result.upcoming.runs.slice(0, 2), [new Date(startedAt + 6 * HOUR).toISOString(), new Date(startedAt + 12 * HOUR).toISOString()]);

    const saved = await ask(p, 'saveResult', { type: 'save', seq: 2, base, form });
    assert.equal(saved.outcome, 'saved', saved.message ?? '');
    const it = await (await entry()).workspace.engine.integration('cadence');
    assert.deepEqual(it.schedule, { kind: 'interval', everyMs: 6 * HOUR });
    await waitFor('the scheduler to re-plan: next run six hours after the start', async () => (await nextRun('cadence')) === startedAt + 6 * HOUR);
    // The page was told the new saved form before the answer, so it takes it as its base.
    const snapshotAt = p.posted.findIndex((m) => m.type === 'snapshot' && m.snapshot.form.everyMs === 6 * HOUR);
    assert.ok(snapshotAt >= 0 && snapshotAt < p.posted.indexOf(saved), 'the new snapshot did not come before the save result');
    await waitFor('the status to show the new next run', () => p.lastSnapshot()?.status.nextRunAt === new Date(startedAt + 6 * HOUR).toISOString());
  });

  it('refuses a form with errors, each beside its field, and saves nothing', async () => {
    await addFixture('strict', { total: 1 });
    const p = await open('strict');
    const base = p.lastSnapshot()!.form;
    const form: SettingsForm = { ...base, tap: 'tap-x > out.txt', tapConfig: 'nope.json', mode: 'cron', cron: 'every day', env: [{ key: 'A', value: '1' }, { key: 'A', value: '2' }] };
    const r = await ask(p, 'saveResult', { type: 'save', seq: 7, base, form });
    assert.equal(r.outcome, 'invalid');
    assert.match(r.result!.errors.tap!, /commands run without a shell/);
    assert.match(r.result!.errors.tapConfig!, /^Tap config file nope.json: the file does not exist/);
    assert.match(r.result!.errors.cron!, /cron expression "every day" has 2 fields/);
    assert.match(r.result!.errors['env.1']!, /set twice/);
    assert.match(r.result!.upcoming.note!, /has 2 fields/, 'the preview shows the error instead of times');
    const it = await (await entry()).workspace.engine.integration('strict');
    assert.deepEqual(it.schedule, { kind: 'default' });
    assert.deepEqual(it.env, {});
  });

  it('an external change while edits are pending: the page is told (new snapshot) and the stale save is refused', async () => {
    const e = await entry();
    await addFixture('contested', { total: 1 }, { everyMs: HOUR });
    const p = await open('contested');
    const base = p.lastSnapshot()!.form;
    // The user moves the slider (not saved yet); meanwhile the CLI, another window, sets 2 hours.
    const mine: SettingsForm = { ...base, everyMs: 6 * HOUR };
    await e.workspace.engine.updateIntegration('contested', (it) => {
      it.schedule = { kind: 'interval', everyMs: 2 * HOUR };
    });
    const told = await waitFor('a snapshot with the other change', () => (p.lastSnapshot()!.form.everyMs === 2 * HOUR ? p.lastSnapshot() : undefined));
    assert.equal(told.form.mode, 'interval');
    const r = await ask(p, 'saveResult', { type: 'save', seq: 3, base, form: mine });
    assert.equal(r.outcome, 'conflict');
    assert.match(r.message!, /contested was changed elsewhere since this page loaded it; nothing was saved/);
    assert.deepEqual((await e.workspace.engine.integration('contested')).schedule, { kind: 'interval', everyMs: 2 * HOUR });
    // Keep My Edits on the page makes the new form its base: then the save goes through, knowingly.
    const again = await ask(p, 'saveResult', { type: 'save', seq: 4, base: told.form, form: { ...told.form, everyMs: 6 * HOUR } });
    assert.equal(again.outcome, 'saved');
    assert.deepEqual((await e.workspace.engine.integration('contested')).schedule, { kind: 'interval', everyMs: 6 * HOUR });
  });

  it('drops messages that do not validate, and logs them; Browse…, Active/Paused and Show Log do what the page asks', async () => {
    const a = await api();
    const e = await entry();
    await scheduled('requests');
    const p = await open('requests');
    const count = p.posted.length;
    await p.receive({ type: 'deleteIntegration', name: 'requests' });
    await p.receive({ type: 'save', seq: 1, form: { tap: 'x' } });
    assert.equal(p.dropped.length, 2);
    assert.match(p.dropped[0]!, /type "deleteIntegration" dropped/);
    assert.equal(p.posted.length, count, 'a dropped message was answered');
    assert.ok(await e.workspace.engine.integration('requests'));

    writeJson('conf/catalog.json', { streams: [] });
    a.settings.pickFile = async () => [vscode.Uri.file(folderPath('conf/catalog.json'))];
    await p.receive({ type: 'browse', field: 'catalog' });
    assert.deepEqual(last(p, 'browsed'), { type: 'browsed', field: 'catalog', path: path.join('conf', 'catalog.json') });

    await p.receive({ type: 'setPaused', paused: true });
    assert.equal((await e.workspace.engine.integration('requests')).paused, true);
    await waitFor('a snapshot saying Paused', () => p.lastSnapshot()?.status.syncStatus === 'Paused');

    const job = p.lastSnapshot()!.status.lastJob!;
    await p.receive({ type: 'showLog', job: job.id });
    await waitFor('the log to open', () => vscode.window.activeTextEditor?.document.uri.scheme === 'singer-log');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('posts nothing before the page is ready, and a reload restores the panel from the page’s state', async () => {
    const a = await api();
    await addFixture('restored', { total: 1 });
    const panel = vscode.window.createWebviewPanel(SETTINGS_VIEW_TYPE, 'restoring', vscode.ViewColumn.Active);
    await a.settings.revive(panel, { folder: folder().uri.toString(), name: 'restored', edited: {} });
    const p = a.settings.get(folder().uri.toString(), 'restored')!;
    assert.equal(p.panel, panel);
    assert.equal(p.panel.title, 'Settings: restored');
    assert.equal(p.isReady, false);
    assert.equal(p.post({ type: 'notice', level: 'info', text: 'too early' }), false);
    await p.receive({ type: 'setPaused', paused: false });
    assert.equal(p.posted.length, 0, 'answered before ready');
    assert.equal((await (await entry()).workspace.engine.integration('restored')).paused, true, 'acted on a message sent before ready');
    await waitFor('the page to say ready', () => p.isReady && p.lastSnapshot());
    assert.equal(p.posted[0]!.type, 'snapshot', 'the first message is the snapshot');
    const snap: Snapshot = p.lastSnapshot()!;
    assert.equal(snap.name, 'restored');

    // A state that names no integration is not restored.
    const stray = vscode.window.createWebviewPanel(SETTINGS_VIEW_TYPE, 'stray', vscode.ViewColumn.Active);
    let disposed = false;
    stray.onDidDispose(() => (disposed = true));
    await a.settings.revive(stray, undefined);
    assert.equal(disposed, true);
  });

  it('tells the page when its integration is deleted', async () => {
    const e = await entry();
    await addFixture('doomed', { total: 1 });
    const p = await open('doomed');
    await e.workspace.engine.remove('doomed');
    const gone = await waitFor('gone', () => last(p, 'gone'));
    assert.match(gone.message, /no integration named doomed/);
  });
});
