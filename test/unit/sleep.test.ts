/**
 * A laptop that sleeps (issue 16): timers count monotonic time, which stops during sleep. The
 * scheduler compares the wall clock with it; a jump ahead is noticed at the next comparison (every
 * 30 s; here every 50 ms) without waiting for the old timer, the missed recurrences are recorded as
 * Skipped ("the scheduler was suspended (computer asleep)") and one job starts as rule 7 says for a
 * catch-up (`singer.catchUp`). The computer "sleeps" as the issue reproduced it: the wall clock moves
 * 3 hours ahead of the monotonic one (here the injected monotonic clock falls 3 hours behind, and the
 * last job's times in the database move 3 hours back, so the engine's own real clock agrees); the
 * old timer is left an hour out.
 */
import * as assert from 'node:assert/strict';
import { Engine } from '../../src/core/engine';
import type { Job } from '../../src/core/model';
import { Scheduler, type SchedulerClock } from '../../src/core/schedule/driver';
import { SKIP_REASON } from '../../src/core/schedule/plan';
import { addFixture, cli, editDatabase, tempWorkspace, waitFor, type Workspace as TempWs } from './helpers/workspace';

const HOUR = 3_600_000;

function sleepyClock(): SchedulerClock & { sleep(ms: number): void } {
  let slept = 0;
  return {
    wallMs: () => Date.now(),
    monoMs: () => performance.now() - slept,
    checkEveryMs: 50,
    sleep: (ms) => (slept += ms),
  };
}

/** While the computer slept, `ms` passed: the newest job and the grid's anchor are that much older. */
async function timePassed(ws: TempWs, ms: number): Promise<void> {
  const back = (t: string | null): string | null => (t === null ? null : new Date(Date.parse(t) - ms).toISOString());
  await editDatabase(ws, (db, histories) => {
    for (const it of db.integrations) {
      it.anchorAt = back(it.anchorAt);
      for (const j of histories.jobs(it.name)) Object.assign(j, { startedAt: back(j.startedAt), endedAt: back(j.endedAt) });
    }
  });
}

const schedulers: Scheduler[] = [];
afterEach(() => {
  for (const s of schedulers.splice(0)) s.dispose();
});

async function sleptThreeHours(catchUp: 'once' | 'skip'): Promise<{ engine: Engine; first: Job; jobs: () => Promise<Job[]>; scheduler: Scheduler; said: string[] }> {
  const ws = tempWorkspace();
  await addFixture(ws, 'hourly', { total: 2, ignore_state: true }, {}, '--frequency', '1h');
  assert.equal((await cli(ws, 'run', 'hourly')).code, 0);
  const engine = new Engine({ workspace: ws.dir });
  const said: string[] = [];
  engine.events.on('error', (m) => said.push(m));
  const [ran] = await engine.jobs('hourly');
  const clock = sleepyClock();
  const scheduler = new Scheduler(engine, { defaultFrequencyMs: HOUR, catchUp, clock });
  schedulers.push(scheduler);
  scheduler.start();
  const due = Date.parse(ran!.startedAt) + HOUR;
  await waitFor('the next run armed an hour after the first job', () => scheduler.nextRunAt('hourly')?.getTime() === due);
  // The lid closes for three hours (and a minute): the wall clock moves on, the monotonic one does not.
  await timePassed(ws, 3 * HOUR + 60_000);
  clock.sleep(3 * HOUR + 60_000);
  const [first] = await engine.jobs('hourly');
  return { engine, first: first!, jobs: () => engine.jobs('hourly'), scheduler, said };
}

describe('a computer that sleeps (the scheduler and the wall clock)', function () {
  this.timeout(60_000);

  it('a 3-hour jump is noticed without waiting for the old timer: 3 recurrences Skipped as suspended, one catch-up job', async () => {
    const { first, jobs, said } = await sleptThreeHours('once');
    await waitFor('the catch-up job to end', async () => (await jobs()).some((j) => j.trigger === 'catch-up' && j.endedAt !== null));
    assert.ok(said.some((m) => /^the wall clock jumped 108\d\d s \(the computer slept, or the clock was set\)/.test(m)), said.join('\n'));
    const all = (await jobs()).reverse();
    const skipped = all.filter((j) => j.status === 'Skipped');
    const start = Date.parse(first.startedAt);
    assert.deepEqual(
      skipped.map((j) => [Date.parse(j.startedAt) - start, j.error]),
      [1, 2, 3].map((k) => [k * HOUR, SKIP_REASON.suspended]),
    );
    const real = all.filter((j) => j.status !== 'Skipped');
    assert.deepEqual(real.map((j) => j.trigger), ['manual', 'catch-up'], 'one catch-up job, not one per missed recurrence');
    assert.equal(real[1]!.status, 'Succeeded', real[1]!.error ?? '');
  });

  it('with singer.catchUp "skip" the missed recurrences are only recorded, and the next run stays on the grid', async () => {
    const { first, jobs, scheduler } = await sleptThreeHours('skip');
    await waitFor('three Skipped entries', async () => (await jobs()).filter((j) => j.status === 'Skipped').length === 3);
    const start = Date.parse(first.startedAt);
    await waitFor('the next run on the grid', () => scheduler.nextRunAt('hourly')?.getTime() === start + 4 * HOUR);
    const all = await jobs();
    assert.ok(all.every((j) => j.error !== SKIP_REASON.suspended || j.status === 'Skipped'));
    assert.equal(all.filter((j) => j.status !== 'Skipped').length, 1, 'no job started');
  });
});
