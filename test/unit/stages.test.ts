/**
 * Mapper stages with real subprocesses (DESIGN §5 "Mapper stages"): `tap | mapper… | target` with the
 * fixture mapper, which drops a property as meltano-map-transformer does; rules 9, 12 and 13 with a
 * mapper in the middle.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, cliProcess, exitOf, FIXTURES, ids, pidAlive, TAP, TARGET, tempWorkspace, waitFor, type Workspace } from './helpers/workspace';

const MAPPER = `python3 ${path.join(FIXTURES, 'mapper_fixture.py')}`;
const HIDE_EMAILS = { stream_maps: { items: { email: null } } };

interface JobJson {
  status: string;
  records: Record<string, number>;
  error: string | null;
  tapExitCode: number | null;
  targetExitCode: number | null;
}

/** An integration whose tap gives every record an email, through mappers given as [config, ...]. */
async function addMapped(ws: Workspace, name: string, tapConfig: Record<string, unknown>, mappers: Record<string, unknown>[], targetConfig: Record<string, unknown> = {}): Promise<void> {
  ws.writeJson(`${name}-tap.json`, { total: 20, with_email: true, ...tapConfig });
  ws.writeJson(`${name}-target.json`, { path: ws.file(`${name}-out.jsonl`), ...targetConfig });
  const args = mappers.flatMap((m, i) => ['--mapper', MAPPER, '--mapper-config', ws.writeJson(`${name}-mapper-${i + 1}.json`, m)]);
  const r = await cli(ws, 'add', name, '--tap', TAP, '--target', TARGET, '--tap-config', `${name}-tap.json`, '--target-config', `${name}-target.json`, ...args);
  assert.equal(r.code, 0, r.err);
}

async function lastJob(ws: Workspace, name: string): Promise<JobJson> {
  return (JSON.parse((await cli(ws, 'jobs', name, '--json')).out) as JobJson[])[0]!;
}

async function runningJob(ws: Workspace, name: string): Promise<{ tapPgid: number; targetPgid: number; mapperPgids: number[] }> {
  return waitFor(`a running job of ${name} with its process groups`, () => {
    try {
      const db = JSON.parse(fs.readFileSync(ws.file('.singer/db.json'), 'utf8')) as { recent: Record<string, { last: { status: string; tapPgid: number | null; targetPgid: number; mapperPgids: number[] } | null }> };
      const j = db.recent[name]?.last;
      return j && j.status === 'Running' && j.tapPgid && j.mapperPgids.length > 0 ? (j as { tapPgid: number; targetPgid: number; mapperPgids: number[] }) : undefined;
    } catch {
      return undefined;
    }
  });
}

function emails(ws: Workspace, name: string): unknown[] {
  return (ws.readLines(`${name}-out.jsonl`) as Record<string, unknown>[]).filter((r) => 'email' in r);
}

describe('mapper stages: tap | mapper… | target', function () {
  this.timeout(60_000);

  it('add --mapper keeps the stage by path; the field it drops never reaches the target; records are counted at the target', async () => {
    const ws = tempWorkspace();
    await addMapped(ws, 'hide', { total: 12 }, [HIDE_EMAILS]);
    const list = JSON.parse((await cli(ws, 'list', '--json')).out) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(list[0]!), ['name', 'syncStatus', 'paused', 'schedule', 'lastJob', 'nextRunAt', 'mappers'], 'the existing fields keep their names and order');
    assert.deepEqual(list[0]!.mappers, [{ name: 'mapper_fixture', command: ['python3', path.join(FIXTURES, 'mapper_fixture.py')], config: 'hide-mapper-1.json' }]);

    // A version of Singer Replication that knows no mappers (version 1) refuses this database rather than drop them.
    assert.equal((JSON.parse(fs.readFileSync(ws.file('.singer/db.json'), 'utf8')) as { version: number }).version, 3);

    const r = await cli(ws, 'run', 'hide');
    const log = (await cli(ws, 'log', 'hide')).out;
    assert.equal(r.code, 0, r.err + log);
    const loaded = ws.readLines('hide-out.jsonl') as Record<string, unknown>[];
    assert.deepEqual(ids(loaded), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.deepEqual(emails(ws, 'hide'), [], 'no email reached the target');
    assert.deepEqual((await lastJob(ws, 'hide')).records, { items: 12 });
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'hide', '--json')).out), { bookmarks: { items: { last_id: 12 } } });
    assert.match(log, / runner INFO starting mapper mapper_fixture: \S*python3 \S+mapper_fixture\.py --config \S+hide-mapper-1\.json\n/);
    assert.match(log, / mapper INFO \[mapper_fixture\] mapper {2}dropping \{"items": \["email"\]\}\n/);
    assert.match(log, / runner INFO mapper mapper_fixture ended \(exit code 0\)\n/);
    assert.match(log, / runner INFO stream items: 12 records from the tap, before the mappers\n/);
    assert.match(log, / runner INFO stream items: 12 records handed to the target\n/);
  });

  it('several mappers run in the order given, each in its own process group, each with its own config', async () => {
    const ws = tempWorkspace();
    await addMapped(ws, 'two', { total: 5 }, [{ tag: 'first', stream_maps: { items: { email: '__NULL__' } } }, { tag: 'second', stream_maps: { items: { id: null } } }]);
    const it = (JSON.parse((await cli(ws, 'list', '--json')).out) as { mappers: { name: string }[] }[])[0]!;
    assert.deepEqual(it.mappers.map((m) => m.name), ['mapper_fixture', 'mapper_fixture-2']);
    const r = await cli(ws, 'run', 'two');
    const log = (await cli(ws, 'log', 'two')).out;
    assert.equal(r.code, 0, r.err + log);
    assert.deepEqual(ws.readLines('two-out.jsonl'), [{}, {}, {}, {}, {}], 'both dropped their field');
    assert.match(log, /\[mapper_fixture\] mapper first dropping[\s\S]*\n/);
    assert.match(log, /\[mapper_fixture-2\] mapper second dropping/);
  });

  it('a mapper config may use secrets: resolved into a private file, redacted from the log', async () => {
    const ws = tempWorkspace();
    await addMapped(ws, 'sec', { total: 3 }, [{ ...HIDE_EMAILS, token: { $secret: 'MAP_TOKEN' }, config_file: ws.file('seen.json'), tag: { $secret: 'MAP_TOKEN' } }]);
    const missing = await cli(ws, 'run', 'sec');
    assert.equal(missing.code, 2);
    assert.match(missing.err, /the config of sec's mapper mapper_fixture refers to the secret "MAP_TOKEN", which is not set/);
    process.env.SINGER_SECRET_MAP_TOKEN = 'm4pp3r-s3cret';
    try {
      const r = await cli(ws, 'run', 'sec');
      assert.equal(r.code, 0, r.err);
    } finally {
      delete process.env.SINGER_SECRET_MAP_TOKEN;
    }
    assert.equal((JSON.parse(fs.readFileSync(ws.file('seen.json'), 'utf8')) as { token: string }).token, 'm4pp3r-s3cret');
    const log = (await cli(ws, 'log', 'sec')).out;
    assert.doesNotMatch(log, /m4pp3r/);
    assert.match(log, /mapper \*\*\* dropping/);
    assert.doesNotMatch(log, /sec-mapper-1\.json/, 'the mapper got the private copy, not the file with the reference');
  });

  it('stop with a mapper in the middle: only the tap is signalled, the mapper drains, the target loads, nothing is lost (rule 9)', async () => {
    const ws = tempWorkspace();
    await addMapped(ws, 'stopm', { total: 200, sleep: 0.01, state_every: 5 }, [HIDE_EMAILS], { batch: 5 });
    const run = cliProcess(ws, 'run', 'stopm');
    await waitFor('some records loaded', () => ws.readLines('stopm-out.jsonl').length >= 30);
    const stop = await cli(ws, 'stop', 'stopm');
    assert.equal(stop.code, 0, stop.err);
    assert.equal(await exitOf(run), 3, run.output());
    const first = ids(ws.readLines('stopm-out.jsonl'));
    assert.ok(first.length < 200, 'the stop happened mid-job');
    const job = await lastJob(ws, 'stopm');
    assert.equal(job.status, 'Cancelled');
    assert.equal(job.records.items, first.length, 'counted where the target received them');
    const log = (await cli(ws, 'log', 'stopm')).out;
    assert.match(log, /SIGTERM to the tap's process group/);
    assert.match(log, /mapper mapper_fixture ended \(exit code 0\)/, 'the mapper was not signalled: it read to the end of its input');
    assert.match(log, /\[mapper_fixture\] mapped \d+ records/);

    assert.equal((await cli(ws, 'run', 'stopm')).code, 0);
    const all = new Set(ids(ws.readLines('stopm-out.jsonl')));
    for (let i = 1; i <= 200; i++) assert.ok(all.has(i), `record ${i} was lost`);
    assert.deepEqual(emails(ws, 'stopm'), []);
  });

  it('a mapper that fails is a target failure: the tap is stopped at once, the target loads what it got; Failed (rule 12)', async () => {
    const ws = tempWorkspace();
    await addMapped(ws, 'mcrash', { total: 100_000, sleep: 0.001 }, [{ ...HIDE_EMAILS, crash_after: 10 }], { batch: 1 });
    const r = await cli(ws, 'run', 'mcrash');
    assert.equal(r.code, 1);
    const job = await lastJob(ws, 'mcrash');
    assert.equal(job.status, 'Failed');
    assert.match(job.error!, /^the mapper mapper_fixture failed \(exit code 4\): .*simulated mapper crash/);
    assert.equal(job.tapExitCode, 143, 'the tap was ended by SIGTERM');
    assert.equal(job.targetExitCode, 0, 'the target read to the end of what the mapper wrote');
    assert.deepEqual(ids(ws.readLines('mcrash-out.jsonl')), Array.from({ length: 10 }, (_, i) => i + 1));
    assert.deepEqual(job.records, { items: 10 });
    assert.match((await cli(ws, 'log', 'mcrash')).out, /runner ERROR the mapper mapper_fixture failed \(exit code 4\): stopping the tap/);
  });

  it('a mapper that ends before its input, or writes a line that is not a Singer message, fails the job too', async () => {
    const ws = tempWorkspace();
    await addMapped(ws, 'early', { total: 100_000, sleep: 0.001 }, [{ stop_after: 7 }], { batch: 1 });
    assert.equal((await cli(ws, 'run', 'early')).code, 1);
    const early = await lastJob(ws, 'early');
    assert.match(early.error!, /^the mapper mapper_fixture exited \(exit code 0\) before the end of its input/);
    assert.equal(ws.readLines('early-out.jsonl').length, 7);

    await addMapped(ws, 'garbage', { total: 50, sleep: 0.001 }, [{ bad_line_after: 4 }], { batch: 1 });
    assert.equal((await cli(ws, 'run', 'garbage')).code, 1);
    const garbage = await lastJob(ws, 'garbage');
    assert.match(garbage.error!, /^the mapper mapper_fixture wrote output line 6, which is not a Singer message \(it is not valid JSON\): mapped garbage/);
    assert.equal(ws.readLines('garbage-out.jsonl').length, 4, 'the target got everything before the bad line');
  });

  it('killing the runner mid-job leaves no mapper, tap or target: reconcile kills every group (rule 13)', async () => {
    const ws = tempWorkspace();
    await addMapped(ws, 'killed', { total: 100_000, sleep: 0.01, ignore_sigterm: true }, [{ ...HIDE_EMAILS, linger: 300 }], { batch: 1 });
    const run = cliProcess(ws, 'run', 'killed');
    const job = await runningJob(ws, 'killed');
    await waitFor('records loaded', () => ws.readLines('killed-out.jsonl').length > 5);
    run.kill('SIGKILL');
    await exitOf(run);
    // The mapper lingers after its input ended with the runner: only reconcile ends it.
    assert.ok(pidAlive(job.mapperPgids[0]!), 'the mapper outlived its runner');
    const [j] = JSON.parse((await cli(ws, 'jobs', 'killed', '--json')).out) as JobJson[];
    assert.equal(j!.status, 'Interrupted');
    for (const pgid of [job.tapPgid, ...job.mapperPgids, job.targetPgid]) await waitFor(`process group ${pgid} to be gone`, () => !pidAlive(pgid), 5000);
    assert.deepEqual(emails(ws, 'killed'), []);
  });

  it('a mapper program that is missing fails the job before anything starts; add warns about it', async () => {
    const ws = tempWorkspace();
    ws.writeJson('t.json', { total: 1 });
    ws.writeJson('g.json', { path: ws.file('o.jsonl') });
    const add = await cli(ws, 'add', 'nomap', '--tap', TAP, '--target', TARGET, '--tap-config', 't.json', '--target-config', 'g.json', '--mapper', 'no-such-mapper-here');
    assert.equal(add.code, 0, add.err);
    assert.match(add.err, /warning: the mapper program no-such-mapper-here was not found/);
    assert.equal((await cli(ws, 'run', 'nomap')).code, 1);
    assert.match((await lastJob(ws, 'nomap')).error!, /^mapper program not found: no-such-mapper-here \(looked in /);
    assert.equal(fs.existsSync(ws.file('o.jsonl')), false, 'nothing ran');
  });

  it('add refuses a --mapper-config without its --mapper, two for one mapper, and shell operators', async () => {
    const ws = tempWorkspace();
    ws.writeJson('m.json', {});
    const base = ['add', 'x', '--tap', TAP, '--target', TARGET];
    const before = await cli(ws, ...base, '--mapper-config', 'm.json', '--mapper', MAPPER);
    assert.equal(before.code, 2);
    assert.match(before.err, /--mapper-config m\.json comes before any --mapper; give it after the --mapper CMD it configures\./);
    const twice = await cli(ws, ...base, '--mapper', MAPPER, '--mapper-config', 'm.json', '--mapper-config', 'm.json');
    assert.equal(twice.code, 2);
    assert.match(twice.err, /has two --mapper-config files/);
    const pipe = await cli(ws, ...base, '--mapper', 'a | b');
    assert.equal(pipe.code, 2);
    assert.match(pipe.err, /the mapper command contains the shell operator "\|"/);
    const missing = await cli(ws, ...base, '--mapper', MAPPER, '--mapper-config', 'nope.json');
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--mapper-config \(of mapper 1, mapper_fixture\) nope\.json: the file does not exist/);
    assert.match((await cli(ws, 'add', '--help')).out, /--mapper CMD/);
  });
});
