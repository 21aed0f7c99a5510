import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Engine } from '../../src/core/engine';
import { newJob } from '../../src/core/jobs';
import { FileLock, LockTimeoutError } from '../../src/core/lock';
import { workspacePaths } from '../../src/core/paths';
import { processStartTime } from '../../src/core/process';
import { Scheduler } from '../../src/core/schedule/driver';
import { SKIP_REASON } from '../../src/core/schedule/plan';
import { Store } from '../../src/core/store';
import { addFixture, cli, editDatabase, tempWorkspace, waitFor } from './helpers/workspace';

const HOUR = 3_600_000;

describe('the database (rule 14)', () => {
  it('a database deleted by someone else stays deleted: the next write starts from an empty one, not from memory', async () => {
    const ws = tempWorkspace();
    const engine = new Engine({ workspace: ws.dir });
    await engine.add({ name: 'old', tap: ['a'], target: ['b'], tapConfig: null, targetConfig: null, catalog: null, env: {}, schedule: { kind: 'default' }, paused: true });
    await engine.read();
    fs.rmSync(ws.file('.singer'), { recursive: true });
    await engine.add({ name: 'new', tap: ['a'], target: ['b'], tapConfig: null, targetConfig: null, catalog: null, env: {}, schedule: { kind: 'default' }, paused: true });
    assert.deepEqual((await engine.read()).integrations.map((i) => i.name), ['new']);
  });

  it('is created on the first add, validated, and pretty-printed', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'one', {});
    const db = JSON.parse(fs.readFileSync(ws.file('.singer/db.json'), 'utf8'));
    assert.equal(db.version, 3);
    assert.equal(db.integrations[0].name, 'one');
    assert.deepEqual(db.integrations[0].tap.slice(0, 1), ['python3']);
  });

  for (const [what, content] of [
    ['not JSON', '{"version": 1, "integrations": ['],
    ['of the wrong shape', '{"version": 1, "integrations": [{"name": "bad name!"}], "jobs": []}'],
  ] as const) {
    it(`a database that is ${what} is refused with a clear error and left byte-for-byte untouched`, async () => {
      const ws = tempWorkspace();
      fs.mkdirSync(ws.file('.singer'));
      fs.writeFileSync(ws.file('.singer/db.json'), content);
      for (const args of [['list'], ['add', 'x', '--tap', 'a', '--target', 'b'], ['pause', 'x'], ['run', 'x']]) {
        const r = await cli(ws, ...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
        assert.match(r.err, /db\.json/);
        assert.match(r.err, /left as it is/);
      }
      assert.equal(fs.readFileSync(ws.file('.singer/db.json'), 'utf8'), content);
      assert.deepEqual(fs.readdirSync(ws.file('.singer')), ['db.json']);
    });
  }

  it('writes atomically: concurrent writers from many engines lose no update', async () => {
    const ws = tempWorkspace();
    const engines = Array.from({ length: 8 }, () => new Engine({ workspace: ws.dir }));
    await Promise.all(
      engines.map((e, i) =>
        e.add({ name: `it${i}`, tap: ['t'], target: ['x'], tapConfig: null, targetConfig: null, catalog: null, env: {}, schedule: { kind: 'default' }, paused: true }),
      ),
    );
    const db = await engines[0]!.read();
    assert.equal(db.integrations.length, 8);
    assert.ok(!fs.readdirSync(ws.file('.singer')).some((f) => f.endsWith('.tmp')));
  });

  it('keeps the newest logRetention jobs per integration and deletes older logs', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'keep', { total: 1 });
    const engine = new Engine({ workspace: ws.dir, logRetention: 3 });
    for (let i = 0; i < 5; i++) await (await engine.start('keep', { trigger: 'manual' })).done;
    const jobs = await engine.jobs('keep');
    assert.deepEqual(jobs.map((j) => j.id), ['000005', '000004', '000003']);
    assert.deepEqual(fs.readdirSync(ws.file('.singer/logs/keep')).sort(), ['000003.log', '000004.log', '000005.log']);
  });

  it('the logs of jobs that Skipped entries push out of the history are deleted with them', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'trim', { total: 1 }, {}, '--frequency', '1h');
    for (let i = 0; i < 2; i++) assert.equal((await cli(t, 'run', 'trim')).code, 0);
    assert.deepEqual(fs.readdirSync(t.file('.singer/logs/trim')).sort(), ['000001.log', '000002.log']);
    // No scheduler ran for three hours: three recurrences are recorded Skipped on activation (rule 7).
    const back = (s: string | null): string | null => (s === null ? null : new Date(Date.parse(s) - 3 * HOUR - 60_000).toISOString());
    await editDatabase(t, (db, histories) => {
      for (const j of histories.jobs('trim')) Object.assign(j, { startedAt: back(j.startedAt), endedAt: back(j.endedAt) });
      db.integrations[0]!.anchorAt = back(db.integrations[0]!.anchorAt);
    });
    const engine = new Engine({ workspace: t.dir, logRetention: 2 });
    const scheduler = new Scheduler(engine, { defaultFrequencyMs: HOUR, catchUp: 'skip' });
    scheduler.start();
    try {
      await waitFor('the skipped recurrences', async () => (await engine.jobs('trim')).filter((j) => j.error === SKIP_REASON.editorClosed).length === 2);
      const kept = await engine.jobs('trim');
      assert.deepEqual(kept.map((j) => j.status), ['Skipped', 'Skipped']);
      // The logs go right after the history is written, so a moment after the Skipped entries appear.
      await waitFor('the logs of the trimmed jobs to be deleted', () => fs.readdirSync(t.file('.singer/logs/trim')).length === 0);
    } finally {
      scheduler.dispose();
    }
  });

  it('what read() handed out is not changed by later writes, nor by a change that is refused', async () => {
    const t = tempWorkspace();
    const engine = new Engine({ workspace: t.dir });
    await engine.add({ name: 'a', tap: ['x'], target: ['y'], tapConfig: null, targetConfig: null, catalog: null, env: {}, schedule: { kind: 'default' }, paused: false });
    const store = new Store(workspacePaths(t.dir));
    const started = '2026-01-01T00:00:00.000Z';
    await store.update((db, h) => {
      db.lastJobId.a = 1;
      h.jobs('a').push(newJob({ integration: 'a', id: '000001', status: 'Running', trigger: 'manual', startedAt: started }));
    });
    const before = await store.read();
    const seen = JSON.stringify(before);
    await store.update((db, h) => {
      db.integrations[0]!.paused = true;
      db.lastJobId.a = 5;
      h.jobs('a')[0]!.status = 'Succeeded';
    });
    assert.equal(JSON.stringify(before), seen, 'the earlier snapshot is as it was');
    await assert.rejects(
      store.update((db, h) => {
        db.integrations[0]!.paused = false;
        db.lastJobId.a = 9;
        h.jobs('a')[0]!.status = 'Failed';
        throw new Error('refused');
      }),
      /refused/,
    );
    const after = await store.read();
    assert.equal(after.integrations[0]!.paused, true);
    assert.equal(after.lastJobId.a, 5);
    assert.equal(after.recent.a?.last?.status, 'Succeeded');
    assert.equal((await store.history('a'))[0]!.status, 'Succeeded');
  });

  it('a lock wait that runs out is a database error (exit 2, nothing written), naming the holder and what to do', async () => {
    const t = tempWorkspace();
    const paths = workspacePaths(t.dir);
    fs.mkdirSync(paths.dir, { recursive: true });
    const hung = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    try {
      await waitFor('the hung program', () => processStartTime(hung.pid!) !== undefined);
      fs.writeFileSync(paths.dbLock, JSON.stringify({ pid: hung.pid, host: os.hostname(), start: processStartTime(hung.pid!), acquiredAt: '2026-01-01T00:00:00.000Z' }));
      const store = new Store(paths, 300);
      await assert.rejects(
        store.update((db) => db.integrations.push()),
        (err: Error & { exitCode?: number }) => {
          assert.ok(err instanceof LockTimeoutError);
          assert.equal(err.exitCode, 2);
          assert.match(err.message, new RegExp(`the lock .*db\\.json\\.lock has been held by process ${hung.pid} since 2026-01-01T00:00:00\\.000Z.*so nothing was written; if that process is hung, end it`));
          return true;
        },
      );
      assert.equal(fs.existsSync(paths.database), false);
      // A job's lock is never waited for: a held one is refused at once as busy (exit 4), see jobs.test.ts.
      assert.equal(new FileLock(paths.jobLock('x')).tryAcquire().ok, true);
    } finally {
      hung.kill('SIGKILL');
    }
  });
});
