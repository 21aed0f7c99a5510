/** Job history in one file per integration (issue 15, DESIGN rule 14): same contract, flat cost. */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Engine } from '../../src/core/engine';
import { newJob } from '../../src/core/jobs';
import { HistorySchema } from '../../src/core/model';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { Workspace } from '../../src/core/workspace';
import { addFixture, cli, tempWorkspace } from './helpers/workspace';

function legacyDatabase(names: string[], jobsEach: number): unknown {
  const now = Date.now();
  const integrations = names.map((name) => ({
    name, tap: ['python3', '-c', 'pass'], target: ['python3', '-c', 'pass'], tapConfig: null, targetConfig: null, catalog: null, env: {},
    schedule: { kind: 'interval', everyMs: 3_600_000 }, paused: true, createdAt: new Date(now - 1e9).toISOString(), anchorAt: null, scheduleChangedAt: null,
  }));
  const jobs = names.flatMap((name) =>
    Array.from({ length: jobsEach }, (_, i) => {
      const at = new Date(now - (jobsEach - i) * 3_600_000).toISOString();
      return newJob({ integration: name, id: String(i + 1).padStart(6, '0'), status: i % 3 === 2 ? 'Skipped' : 'Succeeded', trigger: 'scheduled', startedAt: at, endedAt: at, records: { s: i } });
    }),
  );
  return { version: 1, integrations, jobs, lastJobId: Object.fromEntries(names.map((n) => [n, jobsEach])) };
}

/** How many histories zod validates while `run` runs in this process. */
async function withCountedValidation(run: () => Promise<void>): Promise<number> {
  const parse = HistorySchema.safeParse;
  let calls = 0;
  HistorySchema.safeParse = ((...args: Parameters<typeof parse>) => {
    calls++;
    return parse(...args);
  }) as typeof parse;
  try {
    await run();
  } finally {
    HistorySchema.safeParse = parse;
  }
  return calls;
}

describe('job history, one file per integration', () => {
  it('a job writes its integration’s history file; db.json keeps the integrations and the last job only', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'one', { total: 3 });
    await addFixture(t, 'two', { total: 3 });
    assert.equal((await cli(t, 'run', 'one')).code, 0);
    assert.equal((await cli(t, 'run', 'one')).code, 0);
    const db = JSON.parse(fs.readFileSync(t.file('.singer/db.json'), 'utf8'));
    assert.equal(db.version, 3);
    assert.equal(db.jobs, undefined);
    assert.equal(db.recent.one.last.id, '000002');
    const history = JSON.parse(fs.readFileSync(t.file('.singer/history/one.json'), 'utf8'));
    assert.deepEqual(history.jobs.map((j: { id: string }) => j.id), ['000001', '000002']);
    assert.equal(fs.existsSync(t.file('.singer/history/two.json')), false, 'an integration that never ran has no history file');
    const jobs = JSON.parse((await cli(t, 'jobs', 'one', '--json')).out);
    assert.deepEqual(jobs.map((j: { id: string }) => j.id), ['000002', '000001']);
  });

  it('list, the rows and the scheduler read db.json alone: another integration’s broken history is never read by them', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'good', { total: 3 });
    await addFixture(t, 'other', { total: 3 });
    assert.equal((await cli(t, 'run', 'good')).code, 0);
    assert.equal((await cli(t, 'run', 'other')).code, 0);
    fs.writeFileSync(t.file('.singer/history/other.json'), '{ broken');
    const list = await cli(t, 'list', '--json');
    assert.equal(list.code, 0, list.err);
    assert.deepEqual(JSON.parse(list.out).map((r: { lastJob: { id: string } }) => r.lastJob.id), ['000001', '000001']);
    assert.equal((await cli(t, 'run', 'good')).code, 0, 'a job of one integration reads no other history');
    const ws = new Workspace({ folder: t.dir, settings: { ...DEFAULT_SETTINGS }, scheduling: false });
    assert.equal((await ws.rows()).length, 2);
    ws.dispose();
    // The broken one is refused where it is read, named, and left as it is.
    const jobs = await cli(t, 'jobs', 'other');
    assert.equal(jobs.code, 2);
    assert.match(jobs.err, /history\/other\.json is not valid JSON.*left as it is/);
    const run = await cli(t, 'run', 'other');
    assert.equal(run.code, 2);
    assert.equal(fs.readFileSync(t.file('.singer/history/other.json'), 'utf8'), '{ broken');
  });

  it('a db.json of the first layout is read as it is, and migrated on the first write, saying so', async () => {
    const t = tempWorkspace();
    const legacy = JSON.stringify(legacyDatabase(['a', 'b', 'c'], 7), null, 2);
    t.writeJson('.singer/db.json', JSON.parse(legacy));
    const before = fs.readFileSync(t.file('.singer/db.json'), 'utf8');
    const listBefore = await cli(t, 'list', '--json');
    const jobsBefore = await cli(t, 'jobs', 'b', '--json');
    assert.equal(listBefore.code, 0, listBefore.err);
    assert.equal(fs.readFileSync(t.file('.singer/db.json'), 'utf8'), before, 'a read wrote the database');
    assert.equal(fs.existsSync(t.file('.singer/history')), false);
    const pause = await cli(t, 'resume', 'a');
    assert.equal(pause.code, 0, pause.err);
    assert.match(pause.err, /note: .*db\.json held the job history of every integration: moved it to one file per integration in \.singer\/history\/ \(3 files\)/);
    assert.deepEqual(fs.readdirSync(t.file('.singer/history')).sort(), ['a.json', 'b.json', 'c.json']);
    assert.equal((await cli(t, 'jobs', 'b', '--json')).out, jobsBefore.out, 'jobs --json changed with the layout');
    const lastJobs = (out: string): unknown => (JSON.parse(out) as Array<{ name: string; lastJob: unknown }>).map((r) => [r.name, r.lastJob]);
    assert.deepEqual(lastJobs((await cli(t, 'list', '--json')).out), lastJobs(listBefore.out));
    const second = await cli(t, 'pause', 'a');
    assert.doesNotMatch(second.err, /note:/, 'the migration is said once');
  });

  it('version 2 of the first layout (jobs inside, mapper stages marked) is read and migrated the same way', async () => {
    const t = tempWorkspace();
    t.writeJson('.singer/db.json', { ...(legacyDatabase(['m'], 4) as object), version: 2 });
    assert.deepEqual(JSON.parse((await cli(t, 'jobs', 'm', '--json')).out).map((j: { id: string }) => j.id), ['000004', '000003', '000002', '000001']);
    assert.equal((await cli(t, 'pause', 'm')).code, 0);
    assert.equal(JSON.parse(fs.readFileSync(t.file('.singer/db.json'), 'utf8')).version, 3);
    assert.equal(JSON.parse(fs.readFileSync(t.file('.singer/history/m.json'), 'utf8')).jobs.length, 4);
  });

  it('a history unchanged since the store wrote it is not validated again by the next process; any change since is', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'k', { total: 2 });
    assert.equal((await cli(t, 'run', 'k')).code, 0);
    const file = t.file('.singer/history/k.json');
    const recorded = (): string | undefined => JSON.parse(fs.readFileSync(t.file('.singer/db.json'), 'utf8')).recent.k.historyKey;
    const st = fs.statSync(file, { bigint: true });
    assert.equal(recorded(), `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, 'db.json records the key the history had when written');

    // A new store (another process) reads the history; count what zod validates.
    const validated = (): Promise<number> =>
      withCountedValidation(async () => {
        const jobs = await new Engine({ workspace: t.dir }).jobs('k');
        assert.ok(jobs.length > 0 && jobs.every((j) => j.status === 'Succeeded'));
      });
    assert.equal(await validated(), 0, 'the history the store wrote was validated again');

    // Broken, with its size and modification time put back as the store wrote them (to the
    // nanosecond, which fs.utimes cannot give): the change time gives it away.
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace('"Succeeded"', '"Succeedex"'));
    execFileSync('touch', ['-m', '-d', `@${st.mtimeNs / 1_000_000_000n}.${String(st.mtimeNs % 1_000_000_000n).padStart(9, '0')}`, file]);
    const edited = fs.statSync(file, { bigint: true });
    assert.deepEqual([edited.ino, edited.size, edited.mtimeNs], [st.ino, st.size, st.mtimeNs], 'the edit looks unchanged but for its change time');
    await assert.rejects(new Engine({ workspace: t.dir }).jobs('k'), /k\.json/);
    assert.equal((await cli(t, 'run', 'k')).code, 2, 'a job is not started on a broken history');
    // The same bytes as the store wrote, written again (a restore, an editor saving): another key, validated.
    fs.writeFileSync(file, text);
    assert.equal(await validated(), 1);
    // The next job's write records the new key.
    assert.equal((await cli(t, 'run', 'k')).code, 0);
    const after = fs.statSync(file, { bigint: true });
    assert.equal(recorded(), `${after.ino}:${after.size}:${after.mtimeNs}:${after.ctimeNs}`);
    assert.equal(await validated(), 0);
  });

  it('retention and ids work per history: the newest kept, ids never repeat after trimming', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'r', { total: 2, ignore_state: true });
    const engine = new Engine({ workspace: t.dir, logRetention: 3 });
    for (let i = 0; i < 5; i++) assert.equal((await (await engine.start('r', { trigger: 'manual' })).done).status, 'Succeeded');
    assert.deepEqual((await engine.jobs('r')).map((j) => j.id), ['000005', '000004', '000003']);
    assert.equal(fs.existsSync(t.file('.singer/logs/r/000001.log')), false, 'a trimmed job’s log is deleted');
    await engine.remove('r');
    assert.equal(fs.existsSync(t.file('.singer/history/r.json')), false, 'remove deletes the history');
  });
});
