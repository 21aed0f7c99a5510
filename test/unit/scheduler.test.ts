/** The scheduler driver in real time, with second-scale frequencies and real processes (rules 2-8). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Engine } from '../../src/core/engine';
import { addFixture, cli, cliProcess, exitOf, tempWorkspace, waitFor, type Workspace } from './helpers/workspace';

interface JobRow {
  id: string;
  status: string;
  trigger: string;
  startedAt: string;
  endedAt: string | null;
  error: string | null;
  logFile: string | null;
  records: Record<string, number>;
  tapExitCode: number | null;
}

async function jobs(ws: Workspace, name: string): Promise<JobRow[]> {
  return JSON.parse((await cli(ws, 'jobs', name, '--json')).out) as JobRow[];
}

describe('the scheduler (rules 2-8, `singer-replication schedule`)', function () {
  this.timeout(90_000);

  it('2 s frequency, a 3 s tap: every other recurrence is Skipped, starts land within 1 s of their due time', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'tick', { total: 30, sleep: 0.1, ignore_state: true }, {}, '--frequency', '2s');
    const sched = cliProcess(ws, 'schedule');
    try {
      await waitFor('three real jobs', async () => (await jobs(ws, 'tick')).filter((j) => j.status === 'Succeeded').length >= 3, 40_000);
    } finally {
      sched.kill('SIGTERM');
    }
    assert.equal(await exitOf(sched), 0, sched.output());
    const all = (await jobs(ws, 'tick')).reverse();
    const real = all.filter((j) => j.status !== 'Skipped');
    const skipped = all.filter((j) => j.status === 'Skipped');
    assert.equal(real[0]!.trigger, 'scheduled', 'the first (historical) job starts as soon as the scheduler sees it (rule 2)');
    // Each 3 s job covers the next recurrence: it is skipped, and the one after runs on the same grid.
    for (let i = 1; i < real.length; i++) {
      if (real[i]!.status === 'Cancelled') continue;
      const prev = Date.parse(real[i - 1]!.startedAt);
      const start = Date.parse(real[i]!.startedAt);
      const due = prev + 4000;
      assert.ok(Math.abs(start - due) < 1000, `job ${real[i]!.id} started ${start - due} ms from its due time`);
    }
    assert.ok(skipped.length >= 2, `${skipped.length} skipped`);
    for (const s of skipped) {
      assert.match(s.error!, /^job \d{6} still running$/);
      assert.equal(s.startedAt, s.endedAt);
      assert.deepEqual(s.records, {});
      assert.equal(s.logFile, null);
      assert.equal(s.tapExitCode, null);
    }
    // Ids grow with time: real, skipped, real, skipped, ...
    assert.deepEqual(all.slice(0, 4).map((j) => j.status === 'Skipped'), [false, true, false, true]);
    assert.match(sched.output(), /tick: recurrence due .* skipped \(job 000002\): job 000001 still running/);
  });

  it('a second scheduler stands by while the first lives, then takes over when it is killed', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'solo', { total: 1 }, {}, '--frequency', '1s');
    const first = cliProcess(ws, 'schedule');
    await waitFor('the first scheduler to be active', () => /scheduler active/.test(first.output()));
    const second = cliProcess(ws, 'schedule');
    try {
      await waitFor('the second to stand by', () => /standing by/.test(second.output()));
      await waitFor('a few jobs', async () => (await jobs(ws, 'solo')).length >= 3);
      assert.doesNotMatch(second.output(), /started/, 'the standby starts no jobs');
      first.kill('SIGKILL');
      await exitOf(first);
      await waitFor('the second to take over', () => /scheduler active/.test(second.output()), 10_000);
      await waitFor('a job started by the second', () => /solo: job \d+ started/.test(second.output()), 10_000);
    } finally {
      first.kill('SIGKILL');
      second.kill('SIGTERM');
    }
    assert.equal(await exitOf(second), 0);
    // Jobs never overlapped: one at a time per integration.
    const real = (await jobs(ws, 'solo')).filter((j) => j.status !== 'Skipped' && j.endedAt).reverse();
    for (let i = 1; i < real.length; i++) assert.ok(Date.parse(real[i]!.startedAt) >= Date.parse(real[i - 1]!.endedAt!));
  });

  it('recurrences missed while no scheduler ran are recorded, and one catch-up job starts (rule 7)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'late', { total: 2 }, {}, '--frequency', '1s');
    assert.equal((await cli(ws, 'run', 'late')).code, 0);
    await new Promise((r) => setTimeout(r, 3500));
    const sched = cliProcess(ws, 'schedule');
    try {
      await waitFor('a catch-up job', async () => (await jobs(ws, 'late')).some((j) => j.trigger === 'catch-up' && j.endedAt));
    } finally {
      sched.kill('SIGTERM');
    }
    await exitOf(sched);
    const all = (await jobs(ws, 'late')).reverse();
    const missed = all.filter((j) => j.error === 'no scheduler ran (editor closed)');
    assert.ok(missed.length >= 3 && missed.length <= 4, `${missed.length} missed`);
    assert.ok(missed.every((j) => j.status === 'Skipped'));
    assert.equal(all.filter((j) => j.trigger === 'catch-up').length, 1, 'one catch-up job, not one per missed recurrence');
  });

  it('with singer.catchUp "skip" missed recurrences are only recorded', async () => {
    const ws = tempWorkspace();
    fs.mkdirSync(ws.file('.vscode'));
    fs.writeFileSync(ws.file('.vscode/settings.json'), '{\n  // as VS Code writes it\n  "singer.catchUp": "skip",\n}\n');
    await addFixture(ws, 'nocatch', { total: 2 }, {}, '--frequency', '1h');
    assert.equal((await cli(ws, 'run', 'nocatch')).code, 0);
    // Pretend the last job started three hours ago.
    const threeHoursAgo = new Date(Date.now() - 3 * 3600_000 - 60_000).toISOString();
    await new Engine({ workspace: ws.dir }).store.update((db, histories) => {
      histories.jobs('nocatch')[0]!.startedAt = threeHoursAgo;
      db.integrations[0]!.anchorAt = threeHoursAgo;
    });
    const sched = cliProcess(ws, 'schedule');
    try {
      await waitFor('skipped entries', async () => (await jobs(ws, 'nocatch')).filter((j) => j.status === 'Skipped').length === 3);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      sched.kill('SIGTERM');
    }
    await exitOf(sched);
    const all = await jobs(ws, 'nocatch');
    assert.equal(all.filter((j) => j.status !== 'Skipped').length, 1, 'no catch-up job');
    const [row] = JSON.parse((await cli(ws, 'list', '--json')).out);
    assert.equal(Date.parse(row.nextRunAt), Date.parse(threeHoursAgo) + 4 * 3600_000, 'the next run stays on the grid');
  });

  it('a paused integration runs no scheduled job; a new one starts at once (rules 2, 6)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'resting', { total: 1 }, {}, '--frequency', '1s', '--paused');
    const sched = cliProcess(ws, 'schedule');
    try {
      await waitFor('the scheduler', () => /scheduler active/.test(sched.output()));
      await addFixture(ws, 'newcomer', { total: 1 }, {}, '--frequency', '1h');
      await waitFor('the new integration\'s first job', async () => (await jobs(ws, 'newcomer')).length === 1, 10_000);
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal((await jobs(ws, 'resting')).length, 0);
      assert.match(sched.output(), /resting: next run none \(paused\)|newcomer: job 000001 started/);
    } finally {
      sched.kill('SIGTERM');
    }
    await exitOf(sched);
    const [resting] = JSON.parse((await cli(ws, 'list', '--json')).out);
    assert.equal(resting.nextRunAt, null);
  });

  it('a manual start re-anchors the grid: the next scheduled job is manual start + frequency (rule 5)', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'anchor', { total: 1, ignore_state: true }, {}, '--frequency', '4s');
    const sched = cliProcess(ws, 'schedule');
    try {
      await waitFor('the first job to end', async () => (await jobs(ws, 'anchor'))[0]?.status === 'Succeeded');
      await new Promise((r) => setTimeout(r, 1500));
      const manual = await cli(ws, 'run', 'anchor');
      assert.equal(manual.code, 0, manual.err);
      await waitFor('a scheduled job after the manual one', async () => (await jobs(ws, 'anchor')).length >= 3, 15_000);
    } finally {
      sched.kill('SIGTERM');
    }
    await exitOf(sched);
    const [next, manualJob, first] = await jobs(ws, 'anchor');
    assert.equal(first!.trigger, 'scheduled');
    assert.equal(manualJob!.trigger, 'manual');
    assert.equal(next!.trigger, 'scheduled');
    const drift = Date.parse(next!.startedAt) - (Date.parse(manualJob!.startedAt) + 4000);
    assert.ok(Math.abs(drift) < 1000, `the next scheduled job started ${drift} ms from manual start + 4 s`);
  });

  it('SIGTERM to `schedule` stops a running job as Stop Extraction does, then exits 0', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'longrun', { total: 1000, sleep: 0.02 }, {}, '--frequency', '1h');
    const sched = cliProcess(ws, 'schedule');
    await waitFor('the job to run', async () => (await jobs(ws, 'longrun'))[0]?.status === 'Running');
    await waitFor('records to flow', () => ws.readLines('longrun-out.jsonl').length > 0);
    sched.kill('SIGTERM');
    assert.equal(await exitOf(sched), 0);
    const [job] = await jobs(ws, 'longrun');
    assert.equal(job!.status, 'Cancelled');
    assert.ok(job!.records.items! > 0);
  });
});
