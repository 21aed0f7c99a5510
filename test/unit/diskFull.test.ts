/**
 * A full disk (issue 16): a job whose log or state can no longer be written ends Failed saying so,
 * reads keep working, a job refused before it starts exits 2, and nothing is left behind. The real
 * thing on a 1 MiB tmpfs where the machine allows it; /dev/full and an injected write elsewhere.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TypedEmitter, type EngineEvents } from '../../src/core/events';
import { ThrottledStateWriter } from '../../src/core/stateFile';
import { mountNamespace, type MountNamespace } from './helpers/mounts';
import { addFixture, cli, ids, pidAlive, tempWorkspace, waitFor } from './helpers/workspace';

const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (runner|tap|target) (DEBUG|INFO|WARNING|ERROR|CRITICAL) /;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('a full disk (ENOSPC)', function () {
  this.timeout(120_000);

  describe('on a real file system that fills up (a 1 MiB tmpfs holding .singer/)', () => {
    let ns: MountNamespace | undefined;
    afterEach(async () => {
      await ns?.close();
      ns = undefined;
    });

    it('mid-job: Failed with a sentence naming the disk, tap stopped, target loads what it got, state printed, exit 1; reads work; a new job exits 2; nothing left behind', async function () {
      const ws = tempWorkspace();
      const singer = ws.file('.singer');
      const out = await addFixture(
        ws,
        'fill',
        { total: 1_000_000, sleep: 0.005, state_every: 10, fill_after: 40, fill_path: path.join(singer, 'filler'), pid_file: ws.file('tap.pid') },
        { batch: 5 },
      );
      const made = await mountNamespace({ kind: 'tmpfs', dir: singer, size: '1m' });
      if (typeof made === 'string') {
        console.log(`      skipped: ${made}`);
        this.skip();
      }
      ns = made;

      const run = await ns.cli(ws.dir, ['run', 'fill']);
      assert.equal(run.code, 1, run.err);
      assert.match(run.err, new RegExp(`the disk holding ${singer} is full \\(ENOSPC\\)`));
      assert.match(run.err, /the tap was stopped and the target loaded what it got/);
      assert.doesNotMatch(run.err, /ERR_UNHANDLED_ERROR|unexpected error|\n\s+at /);
      // The tap was stopped by the runner (it would have run for hours), and the target loaded exactly what was counted.
      const tapPid = Number(fs.readFileSync(ws.file('tap.pid'), 'utf8'));
      await waitFor('the tap to be gone', () => !pidAlive(tapPid), 10_000);
      const summary = /job 000001 of fill Failed: (\d+) records/.exec(run.err);
      assert.ok(summary, run.err);
      const loaded = ids(ws.readLines(path.basename(out)));
      assert.equal(loaded.length, Number(summary[1]));
      assert.ok(loaded.length >= 40);
      // The state the target confirmed last could not be saved: it is printed, so nothing is lost.
      const printed = /the state the target confirmed last could not be saved, so write it to \.singer\/state\/fill\.json yourself or the next job starts from the one saved before: (\{.*?\})\./.exec(run.err);
      assert.ok(printed, run.err);
      const state = JSON.parse(printed[1]!) as { bookmarks: { items: { last_id: number } } };
      assert.ok(state.bookmarks.items.last_id <= Math.max(...loaded), 'the state never runs ahead of what was loaded');
      assert.ok(state.bookmarks.items.last_id >= 40);

      // Reads work while the disk is full: the reconcile that cannot be saved is a warning.
      const singerInside = ns.inside(singer);
      for (const args of [['list'], ['jobs', 'fill', '--json'], ['log', 'fill'], ['state', 'fill', '--json']]) {
        const r = await ns.cli(ws.dir, args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
        if (args[0] !== 'state') assert.match(r.err, /warning: the disk holding .* is full \(ENOSPC\): jobs whose runner went away could not be marked Interrupted/);
      }
      const log = (await ns.cli(ws.dir, ['log', 'fill'])).out.trimEnd().split('\n');
      for (const line of log) assert.match(line, LOG_LINE, 'no half line in the log');

      // A new job while the disk is full: one sentence, exit 2, nothing spawned.
      ws.writeJson('fill-tap.json', { total: 3, argv_file: ws.file('argv.json') });
      const again = await ns.cli(ws.dir, ['run', 'fill']);
      assert.equal(again.code, 2, again.err);
      const sentences = again.err.trim().split('\n').filter((l) => !l.includes('warning:'));
      assert.equal(sentences.length, 1, again.err);
      assert.match(sentences[0]!, /the disk holding .* is full \(ENOSPC\).*nothing was started; free some space on that disk and try again\./);
      assert.ok(!fs.existsSync(ws.file('argv.json')), 'the tap was started');

      // Nothing left behind: no temp file, no lock, no empty lock.
      const left = walk(singerInside).map((f) => path.relative(singerInside, f));
      assert.deepEqual(left.filter((f) => f.endsWith('.tmp') || f.endsWith('.lock') || f.includes('.stale-')), [], left.join(', '));

      // Space again: the next read records the job (its runner is gone).
      fs.rmSync(path.join(singerInside, 'filler'));
      const after = await ns.cli(ws.dir, ['jobs', 'fill', '--json']);
      assert.equal(after.code, 0, after.err);
      assert.doesNotMatch(after.err, /warning/);
      assert.equal((JSON.parse(after.out) as Array<{ status: string }>)[0]!.status, 'Interrupted');
    });
  });

  it('a log that cannot be written (/dev/full): the job ends Failed naming the full disk, recorded, the tap stopped, exit 1', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'devfull', { total: 1_000_000, sleep: 0.01 });
    fs.mkdirSync(ws.file('.singer/logs/devfull'), { recursive: true });
    fs.symlinkSync('/dev/full', ws.file('.singer/logs/devfull/000001.log'));
    const r = await cli(ws, 'run', 'devfull');
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /job 000001 of devfull Failed: 0 records; the disk holding .*\.singer is full \(ENOSPC\): the job's log \.singer\/logs\/devfull\/000001\.log could no longer be written/);
    const [job] = JSON.parse((await cli(ws, 'jobs', 'devfull', '--json')).out) as Array<{ status: string; error: string; tapExitCode: number | null }>;
    assert.equal(job!.status, 'Failed');
    assert.match(job!.error, /is full \(ENOSPC\)/);
    // Stopped by the runner (SIGTERM), or never started if the first write failed before it was spawned.
    assert.ok(job!.tapExitCode === null || job!.tapExitCode === 143, `tap exit code ${job!.tapExitCode}`);
  });

  it('the state writer: a failed write neither throws nor leaves a temp file; the state is kept and written when it can be', () => {
    const ws = tempWorkspace();
    const file = ws.file('state/x.json');
    let full = true;
    const errors: Error[] = [];
    const writer = new ThrottledStateWriter(file, {
      intervalMs: 0,
      onError: (e) => errors.push(e),
      write: (f, v) => {
        if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, JSON.stringify(v));
      },
    });
    writer.push({ a: 1 });
    writer.push({ a: 2 });
    assert.equal(errors.length, 1, 'told once');
    assert.deepEqual(writer.unsaved, { a: 2 });
    assert.equal(writer.flush(), false);
    full = false;
    assert.equal(writer.flush(), true);
    assert.equal(writer.unsaved, undefined);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { a: 2 });
  });

  it('an `error` event nobody listens to does not throw (it crashed `run` with ERR_UNHANDLED_ERROR)', () => {
    const events = new TypedEmitter<EngineEvents>();
    assert.doesNotThrow(() => events.emit('error', 'the disk is full'));
  });
});
