/** Rules 8-13 with real subprocesses: the fixture tap and target in test/fixtures. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/core/engine';
import { addFixture, cli, cliProcess, exitOf, ids, pidAlive, processRunning, tempWorkspace, waitFor } from './helpers/workspace';

async function runningJob(ws: { file(r: string): string }, name: string): Promise<{ id: string; tapPgid: number | null; runnerPid: number | null }> {
  return waitFor(`a running job of ${name} with its process groups`, () => {
    try {
      const db = JSON.parse(fs.readFileSync(ws.file('.singer/db.json'), 'utf8'));
      const j = db.recent?.[name]?.last as { id: string; status: string; tapPgid: number | null; runnerPid: number | null } | undefined;
      return j && j.status === 'Running' && j.tapPgid ? j : undefined;
    } catch {
      return undefined;
    }
  });
}

describe('jobs (rules 8-13)', function () {
  this.timeout(60_000);

  it('runs tap | target, counts records, saves the state the target confirmed, and resumes from it (rule 10)', async () => {
    const ws = tempWorkspace();
    const out = await addFixture(ws, 'inc', { total: 30 });
    const r1 = await cli(ws, 'run', 'inc');
    assert.equal(r1.code, 0, r1.err);
    assert.deepEqual(ids(ws.readLines('inc-out.jsonl')), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'inc', '--json')).out), { bookmarks: { items: { last_id: 30 } } });
    ws.writeJson('inc-tap.json', { total: 45 }); // config is read when each job starts
    assert.equal((await cli(ws, 'run', 'inc')).code, 0);
    assert.deepEqual(ids(ws.readLines('inc-out.jsonl')).slice(30), Array.from({ length: 15 }, (_, i) => i + 31));
    const jobs = JSON.parse((await cli(ws, 'jobs', 'inc', '--json')).out);
    assert.deepEqual(jobs.map((j: { id: string }) => j.id), ['000002', '000001']);
    assert.deepEqual(jobs[0].records, { items: 15 });
    assert.equal(jobs[0].stateSaved, true);
    assert.ok(fs.existsSync(out));
  });

  it('stop mid-job, then run again: no record lost, at most the unacknowledged tail repeated (rules 9-11)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'slow', { total: 200, sleep: 0.01, state_every: 5 }, { batch: 5 });
    const run = cliProcess(ws, 'run', 'slow');
    await waitFor('some records loaded', () => ws.readLines('slow-out.jsonl').length >= 40);
    const stop = await cli(ws, 'stop', 'slow');
    assert.equal(stop.code, 0, stop.err);
    assert.equal(await exitOf(run), 3, run.output());
    const first = ids(ws.readLines('slow-out.jsonl'));
    assert.ok(first.length < 200, 'the stop happened mid-job');
    const jobs1 = JSON.parse((await cli(ws, 'jobs', 'slow', '--json')).out);
    assert.equal(jobs1[0].status, 'Cancelled');
    assert.ok(jobs1[0].records.items >= 40);
    const saved = JSON.parse((await cli(ws, 'state', 'slow', '--json')).out).bookmarks.items.last_id as number;
    assert.ok(saved <= first[first.length - 1]!, 'the state never runs ahead of what was loaded');

    assert.equal((await cli(ws, 'run', 'slow')).code, 0);
    const all = ids(ws.readLines('slow-out.jsonl'));
    const unique = new Set(all);
    for (let i = 1; i <= 200; i++) assert.ok(unique.has(i), `record ${i} was lost`);
    const duplicates = all.length - unique.size;
    assert.ok(duplicates <= first[first.length - 1]! - saved, `${duplicates} duplicates: more than the unacknowledged tail`);
    const log = (await cli(ws, 'log', 'slow', '1')).out;
    assert.match(log, /SIGTERM/);
  });

  it('a second manual run is refused with exit 4, never queued (rule 8)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'busy', { total: 100, sleep: 0.02 });
    const run = cliProcess(ws, 'run', 'busy');
    await runningJob(ws, 'busy');
    const second = await cli(ws, 'run', 'busy');
    assert.equal(second.code, 4);
    assert.match(second.err, /already has a job running/);
    assert.match(second.err, /singer-replication stop busy/);
    assert.equal(JSON.parse((await cli(ws, 'jobs', 'busy', '--json')).out).length, 1);
    run.kill('SIGINT');
    assert.equal(await exitOf(run), 3);
  });

  it('a tap that ignores SIGTERM is killed after the grace period (rule 9)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'stubborn', { total: 1000, sleep: 0.02, ignore_sigterm: true });
    const run = cliProcess(ws, 'run', 'stubborn', '--grace-period', '1');
    const job = await runningJob(ws, 'stubborn');
    await waitFor('the tap to have set up its handler', () => ws.readLines('stubborn-out.jsonl').length > 0);
    const t0 = Date.now();
    run.kill('SIGTERM');
    assert.equal(await exitOf(run), 3);
    const took = Date.now() - t0;
    assert.ok(took >= 900, `ended after ${took} ms, before the grace period`);
    assert.ok(!pidAlive(job.tapPgid!));
    const log = (await cli(ws, 'log', 'stubborn')).out;
    assert.match(log, /did not end within 1 s of SIGTERM: sending SIGKILL/);
    assert.match(log, /tap INFO ignoring SIGTERM/);
  });

  it('stop --grace-period from another process overrides the runner\'s setting', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'g', { total: 1000, sleep: 0.02, ignore_sigterm: true });
    const run = cliProcess(ws, 'run', 'g');
    await runningJob(ws, 'g');
    await waitFor('the tap to have set up its handler', () => ws.readLines('g-out.jsonl').length > 0);
    const t0 = Date.now();
    const stop = await cli(ws, 'stop', 'g', '--grace-period', '0.5');
    assert.equal(stop.code, 0);
    assert.match(stop.out, /Cancelled/);
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(await exitOf(run), 3);
  });

  it('stop exits 5 when nothing runs', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'idle', {});
    const r = await cli(ws, 'stop', 'idle');
    assert.equal(r.code, 5);
    assert.match(r.err, /no job running/);
  });

  it('a tap that crashes mid-stream: the target still loads what it got; Failed with the tap\'s error tail (rule 12)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'crash', { total: 50, crash_after: 23 }, { batch: 1 });
    const r = await cli(ws, 'run', 'crash');
    assert.equal(r.code, 1);
    assert.equal(ws.readLines('crash-out.jsonl').length, 23);
    const [job] = JSON.parse((await cli(ws, 'jobs', 'crash', '--json')).out);
    assert.equal(job.status, 'Failed');
    assert.equal(job.tapExitCode, 1);
    assert.equal(job.targetExitCode, 0);
    assert.match(job.error, /the tap failed \(exit code 1\).*simulated crash mid-stream/);
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'crash', '--json')).out), { bookmarks: { items: { last_id: 20 } } });
  });

  it('a target that crashes stops the tap at once; Failed (rule 12)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'tcrash', { total: 100000, sleep: 0.001 }, { crash_after: 10 });
    const t0 = Date.now();
    const r = await cli(ws, 'run', 'tcrash');
    assert.equal(r.code, 1);
    assert.ok(Date.now() - t0 < 20_000);
    const [job] = JSON.parse((await cli(ws, 'jobs', 'tcrash', '--json')).out);
    assert.equal(job.status, 'Failed');
    assert.equal(job.targetExitCode, 3);
    assert.match(job.error, /the target failed \(exit code 3\).*simulated target crash/);
    assert.equal(job.tapExitCode, 143, 'the tap was ended by SIGTERM');
  });

  it('a non-JSON line fails the job with its line number; the target gets everything before it', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'bad', { total: 50, bad_line_after: 12, sleep: 0.001 }, { batch: 1 });
    const r = await cli(ws, 'run', 'bad');
    assert.equal(r.code, 1);
    assert.deepEqual(ids(ws.readLines('bad-out.jsonl')), Array.from({ length: 12 }, (_, i) => i + 1));
    const [job] = JSON.parse((await cli(ws, 'jobs', 'bad', '--json')).out);
    assert.equal(job.status, 'Failed');
    // SCHEMA, 12 RECORDs and one STATE come before it.
    assert.match(job.error, /line 15 is not a Singer message \(it is not valid JSON\): this is not json/);
    assert.match((await cli(ws, 'log', 'bad')).out, /runner ERROR tap output line 15/);
  });

  it('a 50 MB record passes through the whole pipeline', async function () {
    this.timeout(120_000);
    const ws = tempWorkspace();
    await addFixture(ws, 'huge', { total: 3, big_record: 50 * 1024 * 1024 });
    const r = await cli(ws, 'run', 'huge');
    assert.equal(r.code, 0, r.err);
    const [job] = JSON.parse((await cli(ws, 'jobs', 'huge', '--json')).out);
    assert.deepEqual(job.records, { items: 4 });
    const lines = fs.readFileSync(ws.file('huge-out.jsonl'), 'utf8').split('\n');
    assert.equal(JSON.parse(lines[0]!).blob.length, 50 * 1024 * 1024);
  });

  it('a bad line stops the tap at once, not when it would have ended', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'badslow', { total: 2000, sleep: 0.01, bad_line_after: 5 });
    const t0 = Date.now();
    const r = await cli(ws, 'run', 'badslow');
    assert.equal(r.code, 1);
    assert.ok(Date.now() - t0 < 8000, `the job took ${Date.now() - t0} ms: the tap ran on after its bad line`);
    const [job] = JSON.parse((await cli(ws, 'jobs', 'badslow', '--json')).out);
    assert.equal(job.tapExitCode, 143, 'ended by SIGTERM');
    assert.doesNotMatch((await cli(ws, 'log', 'badslow')).out, /target exited .* while the tap was still running/);
  });

  it('a target that emits state only at the end; one that never does leaves the state unchanged (rule 10)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'atend', { total: 12 }, { state_only_at_end: true });
    const ra = await cli(ws, 'run', 'atend');
    assert.equal(ra.code, 0, ra.err);
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'atend', '--json')).out), { bookmarks: { items: { last_id: 12 } } });

    await addFixture(ws, 'never', { total: 12 }, { no_state: true });
    assert.equal((await cli(ws, 'state', 'never', '--json')).out.trim(), 'null');
    const rn = await cli(ws, 'run', 'never');
    assert.equal(rn.code, 0, rn.err);
    assert.equal((await cli(ws, 'state', 'never', '--json')).out.trim(), 'null');
    const [job] = JSON.parse((await cli(ws, 'jobs', 'never', '--json')).out);
    assert.equal(job.stateSaved, false);
    assert.match((await cli(ws, 'log', 'never')).out, /runner WARNING the target emitted no state: the saved state is left unchanged/);
  });

  it('full re-replication starts from an empty state (rule 11)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'full', { total: 10, argv_file: ws.file('argv.json') });
    await cli(ws, 'run', 'full');
    await cli(ws, 'run', 'full');
    assert.ok((JSON.parse(fs.readFileSync(ws.file('argv.json'), 'utf8')) as string[]).includes('--state'));
    assert.equal(ws.readLines('full-out.jsonl').length, 10);
    assert.equal((await cli(ws, 'run', 'full', '--full-refresh')).code, 0);
    assert.ok(!(JSON.parse(fs.readFileSync(ws.file('argv.json'), 'utf8')) as string[]).includes('--state'));
    assert.equal(ws.readLines('full-out.jsonl').length, 20);
    assert.match((await cli(ws, 'log', 'full')).out, /full re-replication/);
  });

  it('killing the runner with SIGKILL mid-job leaves no tap, and the next command shows Interrupted (rule 13)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'crashy', { total: 100000, sleep: 0.01, ignore_sigterm: true }, { batch: 1 });
    const run = cliProcess(ws, 'run', 'crashy');
    const job = await runningJob(ws, 'crashy');
    await waitFor('records loaded', () => ws.readLines('crashy-out.jsonl').length > 15);
    run.kill('SIGKILL');
    await exitOf(run);
    const r = await cli(ws, 'jobs', 'crashy', '--json');
    const [j] = JSON.parse(r.out);
    assert.equal(j.status, 'Interrupted');
    assert.ok(j.endedAt);
    assert.equal(j.stateSaved, true);
    await waitFor('the tap to be gone', () => !pidAlive(job.tapPgid!), 5000);
    // The lock was released: a new job can start, and resumes from the confirmed state.
    const saved = JSON.parse((await cli(ws, 'state', 'crashy', '--json')).out).bookmarks.items.last_id;
    assert.ok(saved >= 10);
    ws.writeJson('crashy-tap.json', { total: saved + 5 });
    assert.equal((await cli(ws, 'run', 'crashy')).code, 0);
  });

  it('rule 13: a leftover tap that writes nothing and keeps a child alive is killed with its whole process group', async () => {
    const ws = tempWorkspace();
    // Nothing ends this tap by itself: it writes no output (no broken pipe) and its child sleeps an hour.
    await addFixture(ws, 'quiet', { keep_child: true, pid_file: ws.file('tap.pid'), child_pid_file: ws.file('child.pid') });
    const run = cliProcess(ws, 'run', 'quiet');
    const job = await runningJob(ws, 'quiet');
    const child = await waitFor('the tap\'s child', () => fs.existsSync(ws.file('child.pid')) && Number(fs.readFileSync(ws.file('child.pid'), 'utf8')));
    const tap = Number(fs.readFileSync(ws.file('tap.pid'), 'utf8'));
    assert.equal(job.tapPgid, tap);
    run.kill('SIGKILL');
    await exitOf(run);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(processRunning(tap) && processRunning(child), 'the tap and its child outlive the runner until a reconcile');
    const [j] = JSON.parse((await cli(ws, 'jobs', 'quiet', '--json')).out);
    assert.equal(j.status, 'Interrupted');
    await waitFor('the tap and its child to be gone', () => !processRunning(tap) && !processRunning(child), 5000);
  });

  it('rule 9: SIGTERM reaches the tap\'s whole process group (a tap whose child writes the records); the target exits 0 having loaded exactly what was counted', async () => {
    const ws = tempWorkspace();
    const out = await addFixture(ws, 'forked', { total: 1_000_000, sleep: 0.005, emit_from_child: true, child_pid_file: ws.file('child.pid') });
    const engine = new Engine({ workspace: ws.dir });
    const running = await engine.start('forked', { trigger: 'manual' });
    await waitFor('records loaded', () => ws.readLines(path.basename(out)).length >= 20);
    const child = Number(fs.readFileSync(ws.file('child.pid'), 'utf8'));
    running.stop(30);
    const job = await running.done;
    assert.equal(job.status, 'Cancelled', job.error ?? '');
    assert.equal(job.targetExitCode, 0);
    assert.equal(job.tapExitCode, 143, 'the tap was ended by SIGTERM');
    assert.ok(!processRunning(child), 'the tap\'s child was not signalled');
    const loaded = ws.readLines(path.basename(out)).length;
    assert.equal(loaded, job.records.items, 'the target loaded exactly the records counted');
    assert.doesNotMatch(fs.readFileSync(engine.paths.resolve(job.logFile!), 'utf8'), /did not end within \d+ s of SIGTERM/, 'SIGTERM alone ended it');
  });

  it('a RECORD line cut short that still ends in "}" is forwarded as the relay promises; the target refuses it: Failed, nothing lost', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'cut', { total: 50, cut_line_after: 23, state_every: 5 }, { batch: 1 });
    const r = await cli(ws, 'run', 'cut');
    assert.equal(r.code, 1, r.err);
    const [job] = JSON.parse((await cli(ws, 'jobs', 'cut', '--json')).out);
    assert.equal(job.status, 'Failed');
    assert.match(job.error, /the target failed \(exit code 1\).*JSONDecodeError/);
    assert.deepEqual(ids(ws.readLines('cut-out.jsonl')), Array.from({ length: 23 }, (_, i) => i + 1), 'every record before the cut line was loaded');
    // The saved state is the last one the target confirmed: the next job re-extracts what was not loaded.
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'cut', '--json')).out), { bookmarks: { items: { last_id: 20 } } });
  });

  it('stop from another process finds the runner gone and reports Interrupted', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'gone', { total: 100000, sleep: 0.01 });
    const run = cliProcess(ws, 'run', 'gone');
    await runningJob(ws, 'gone');
    run.kill('SIGKILL');
    await exitOf(run);
    const r = await cli(ws, 'stop', 'gone');
    // Reconciliation happens before the stop request: nothing runs any more.
    assert.equal(r.code, 5);
    assert.equal(JSON.parse((await cli(ws, 'jobs', 'gone', '--json')).out)[0].status, 'Interrupted');
  });

  it('one engine refuses a second start of the same integration while the first runs', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'twice', { total: 50, sleep: 0.01 });
    const engine = new Engine({ workspace: ws.dir });
    const first = await engine.start('twice', { trigger: 'manual' });
    await assert.rejects(engine.start('twice', { trigger: 'manual' }), /already has a job running/);
    first.stop(5);
    assert.equal((await first.done).status, 'Cancelled');
  });
});
