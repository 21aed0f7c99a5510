/** The per-folder Workspace the fronts use: events for every change, whoever made it (issue 13 §0). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Engine } from '../../src/core/engine';
import type { EngineEvents } from '../../src/core/events';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { Workspace } from '../../src/core/workspace';
import { addFixture, cli, cliProcess, exitOf, tempWorkspace, waitFor, type Workspace as TempWs } from './helpers/workspace';

function recorder(ws: Workspace): { seen: Array<[keyof EngineEvents, unknown[]]>; of: (e: keyof EngineEvents) => unknown[][] } {
  const seen: Array<[keyof EngineEvents, unknown[]]> = [];
  const names: Array<keyof EngineEvents> = ['changed', 'jobStarted', 'jobProgress', 'jobStopping', 'jobEnded', 'jobSkipped', 'jobInterrupted', 'jobRefused', 'nextRun', 'schedulerActive', 'schedulerStandby', 'error'];
  for (const n of names) ws.events.on(n, (...args: unknown[]) => seen.push([n, args]));
  return { seen, of: (e) => seen.filter(([n]) => n === e).map(([, a]) => a) };
}

function open(t: TempWs, o: Partial<ConstructorParameters<typeof Workspace>[0]> = {}): Workspace {
  const ws = new Workspace({ folder: t.dir, settings: { ...DEFAULT_SETTINGS }, scheduling: false, ...o });
  opened.push(ws);
  return ws;
}
const opened: Workspace[] = [];
afterEach(() => {
  for (const w of opened.splice(0)) w.dispose();
});

describe('Workspace: one folder for the fronts', function () {
  this.timeout(60_000);

  it('tells `changed` for a write by another process, and not for the progress of a job run elsewhere', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'a', { total: 400, sleep: 0.01 });
    const ws = open(t);
    const rec = recorder(ws);
    ws.start();
    await new Promise((r) => setTimeout(r, 300));
    const before = rec.of('changed').length;
    // `pause` in another process: the database changes, the view must hear of it.
    const r = await (async () => {
      const child = cliProcess(t, 'pause', 'a');
      return exitOf(child);
    })();
    assert.equal(r, 0);
    await waitFor('changed after an outside write', () => rec.of('changed').length > before);
    const rows = await ws.rows();
    assert.equal(rows[0]!.syncStatus, 'Paused');

    // A job run by the CLI writes its progress every 2 s: told as jobProgress, not as changed.
    const run = cliProcess(t, 'run', 'a');
    await waitFor('the job to show as running', async () => (await ws.rows())[0]!.syncStatus === 'Running');
    await waitFor('progress of the job run elsewhere', () => rec.of('jobProgress').length > 0, 20_000);
    const changedWhileRunning = rec.of('changed').length;
    await new Promise((res) => setTimeout(res, 2500));
    assert.ok(rec.of('changed').length - changedWhileRunning <= 1, 'progress writes were told as changes');
    assert.equal(await exitOf(run), 0, run.output());
    await waitFor('the end of the job', async () => (await ws.rows())[0]!.lastJob?.status === 'Succeeded');
  });

  it('finds a job whose runner was killed Interrupted without any write, and says so (rule 13)', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'k', { total: 1000, sleep: 0.01 });
    const ws = open(t);
    const rec = recorder(ws);
    ws.start();
    const run = cliProcess(t, 'run', 'k');
    await waitFor('the job to run', async () => (await ws.rows())[0]!.syncStatus === 'Running', 20_000);
    run.kill('SIGKILL');
    await waitFor('jobInterrupted', () => rec.of('jobInterrupted').length > 0, 10_000);
    const rows = await ws.rows();
    assert.equal(rows[0]!.lastJob!.status, 'Interrupted');
    assert.equal(rows[0]!.syncStatus, 'Failed');
  });

  it('runs the scheduler: active, then a second one stands by and names the pid that drives the folder', async () => {
    const t = tempWorkspace();
    await addFixture(t, 's', { total: 3 }, {}, '--paused');
    const one = open(t, { scheduling: true });
    const rec1 = recorder(one);
    one.start();
    await waitFor('active', () => rec1.of('schedulerActive').length === 1);
    assert.deepEqual(one.schedulerStatus(), { state: 'active' });
    // Another process drives a second folder view: a `schedule` process first, then this one stands by.
    const two = open(t, { scheduling: true });
    const rec2 = recorder(two);
    two.start();
    await waitFor('standby', () => rec2.of('schedulerStandby').length === 1);
    const status = two.schedulerStatus();
    assert.equal(status.state, 'standby');
    assert.equal(status.state === 'standby' && status.holder.pid, process.pid);
    one.dispose();
    await waitFor('the standby takes over', () => rec2.of('schedulerActive').length === 1, 5000);
  });

  it('a settings change re-plans at once: a new default frequency moves the next run', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'd', { total: 2 });
    const ws = open(t, { scheduling: true });
    const rec = recorder(ws);
    ws.start();
    await waitFor('the first job to end', () => rec.of('jobEnded').length === 1, 20_000);
    const started = Date.parse((rec.of('jobEnded')[0]![0] as { startedAt: string }).startedAt);
    await waitFor('a next run one hour later', async () => (await ws.rows())[0]!.nextRunAt?.getTime() === started + 3_600_000);
    assert.deepEqual(ws.applySettings({ ...DEFAULT_SETTINGS, defaultFrequencyMs: 6 * 3_600_000 }), { reopen: false });
    await waitFor('the next run six hours later', async () => (await ws.rows())[0]!.nextRunAt?.getTime() === started + 6 * 3_600_000);
    assert.deepEqual(ws.applySettings({ ...DEFAULT_SETTINGS, databasePath: 'other/db.json' }), { reopen: true });
  });

  it('a start the scheduler cannot make (a secret not set) is told as jobRefused, nothing spawned', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'sec', { total: 2, password: { $secret: 'PW' } });
    const ws = open(t, { scheduling: true, secrets: async () => undefined });
    const rec = recorder(ws);
    ws.start();
    await waitFor('jobRefused', () => rec.of('jobRefused').length > 0);
    const [name, trigger, err] = rec.of('jobRefused')[0] as [string, string, Error];
    assert.equal(name, 'sec');
    assert.equal(trigger, 'scheduled');
    assert.match(err.message, /secret "PW", which is not set/);
    assert.equal((await ws.engine.jobs('sec')).length, 0);
  });

  it('the programs inherit the environment the front chooses, plus the integration env', async () => {
    const t = tempWorkspace();
    const envFile = t.file('env.json');
    fs.writeFileSync(t.file('envtap.py'), `import json, os, sys\njson.dump(dict(os.environ), open(${JSON.stringify(envFile)}, 'w'))\n`);
    t.writeJson('cfg.json', {});
    assert.equal((await cli(t, 'add', 'env', '--tap', 'python3 envtap.py', '--target', 'python3 -c "import sys; sys.stdin.read()"', '--env', 'EXTRA=1')).code, 0);
    const engine = new Engine({ workspace: t.dir, environment: () => ({ PATH: process.env.PATH, ONLY_THIS: 'yes' }) });
    const job = await (await engine.start('env', { trigger: 'manual' })).done;
    assert.equal(job.status, 'Succeeded', job.error ?? '');
    const seen = JSON.parse(fs.readFileSync(envFile, 'utf8')) as Record<string, string>;
    assert.equal(seen.ONLY_THIS, 'yes');
    assert.equal(seen.EXTRA, '1');
    assert.equal(seen.HOME, undefined, 'the process environment leaked through');
  });

  it('a stop that comes before the tap is spawned is not lost: the tap never starts, the job is Cancelled', async () => {
    const t = tempWorkspace();
    const marker = t.file('tap-ran');
    fs.writeFileSync(t.file('marktap.py'), `open(${JSON.stringify(marker)}, 'w').write('x')\nimport time; time.sleep(5)\n`);
    assert.equal((await cli(t, 'add', 'early', '--tap', 'python3 marktap.py', '--target', 'python3 -c "import sys; sys.stdin.read()"')).code, 0);
    const engine = new Engine({ workspace: t.dir });
    const running = await engine.start('early', { trigger: 'manual' });
    running.stop();
    const job = await running.done;
    assert.equal(job.status, 'Cancelled');
    assert.equal(fs.existsSync(marker), false, 'the tap was started after the stop');
    assert.match(fs.readFileSync(engine.paths.resolve(job.logFile!), 'utf8'), /Stop Extraction came before the tap was started/);
  });

  it('shutdown: every tap here gets SIGTERM at once, the targets load what they got, and each log says why', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'x1', { total: 5000, sleep: 0.005 });
    await addFixture(t, 'x2', { total: 5000, sleep: 0.005 });
    const ws = open(t);
    ws.start();
    const a = await ws.engine.start('x1', { trigger: 'manual' });
    const b = await ws.engine.start('x2', { trigger: 'manual' });
    await waitFor('records flowing', async () => Object.values((await ws.engine.store.read()).recent).every((r) => Object.keys(r.last?.records ?? {}).length > 0), 20_000);
    const t0 = Date.now();
    await ws.shutdown('the editor is closing', 4000);
    assert.ok(Date.now() - t0 < 4500);
    for (const r of [a, b]) {
      const job = await r.done;
      assert.equal(job.status, 'Cancelled');
      const log = fs.readFileSync(ws.engine.paths.resolve(job.logFile!), 'utf8');
      assert.match(log, /the editor is closing: stopping the extraction/);
      const loaded = t.readLines(`${job.integration}-out.jsonl`).length;
      assert.equal(loaded, Object.values(job.records).reduce((s, n) => s + n, 0), 'the target loaded exactly what was counted');
    }
  });
});

