/** The words of the tree and the status bar (DESIGN §6), in plain Node. */
import * as assert from 'node:assert/strict';
import { newJob } from '../../src/core/jobs';
import type { Integration, Job } from '../../src/core/model';
import type { IntegrationRow } from '../../src/core/rows';
import type { SyncStatus } from '../../src/core/status';
import { clock, elapsed, integrationDescription, jobDescription, jobLabel, statusBarState, type FolderRow } from '../../src/core/viewText';

const NOW = new Date(2026, 10, 24, 12, 0, 0); // a Tuesday, local time
const at = (h: number, m: number, dayOffset = 0): Date => new Date(2026, 10, 24 + dayOffset, h, m);

function it_(name: string, paused = false): Integration {
  return { name, tap: ['t'], target: ['g'], tapConfig: null, targetConfig: null, catalog: null, mappers: [], env: {}, schedule: { kind: 'default' }, paused, createdAt: NOW.toISOString(), anchorAt: null, scheduleChangedAt: null };
}
function row(name: string, syncStatus: SyncStatus, o: Partial<IntegrationRow> = {}): IntegrationRow {
  return { integration: it_(name, syncStatus === 'Paused'), syncStatus, active: null, lastJob: null, newestAt: null, schedule: 'every 1h', nextRunAt: null, ...o };
}
function job(o: Partial<Job>): Job {
  return newJob({ integration: 'a', id: '000012', status: 'Succeeded', trigger: 'scheduled', startedAt: at(12, 30).toISOString(), ...o });
}

describe('view texts', () => {
  it('times: today as 12:30, within a week with the day name, further away with the date', () => {
    assert.equal(clock(at(12, 30), NOW), '12:30');
    assert.equal(clock(at(9, 5, 1), NOW), 'Wed 09:05');
    assert.equal(clock(at(23, 59, -1), NOW), 'Mon 23:59');
    assert.equal(clock(at(6, 0, 10), NOW), '4 Dec 06:00');
  });

  it('durations', () => {
    assert.equal(elapsed(4200), '4.2 s');
    assert.equal(elapsed(192_000), '3 min 12 s');
    assert.equal(elapsed(4_080_000), '1 h 8 min');
  });

  it('integration descriptions, one per sync status', () => {
    const running = job({ status: 'Running', endedAt: null, records: { a: 12_000, b: 345 } });
    assert.equal(integrationDescription(row('a', 'Running', { active: running }), NOW), 'Running · 12,345 records');
    assert.equal(integrationDescription(row('a', 'Running', { active: running }), NOW, { a: 1 }), 'Running · 1 record');
    assert.equal(integrationDescription(row('a', 'Stopping'), NOW), 'Stopping');
    assert.equal(integrationDescription(row('a', 'Scheduled', { nextRunAt: at(12, 30) }), NOW), 'next 12:30');
    assert.equal(integrationDescription(row('a', 'Scheduled', { nextRunAt: at(12, 30, 7 - 2 + 0) }), NOW), 'next Sun 12:30');
    assert.equal(integrationDescription(row('a', 'Paused'), NOW), 'Paused');
    assert.equal(integrationDescription(row('a', 'Failed', { nextRunAt: at(12, 30) }), NOW), 'Failed · next 12:30');
    assert.equal(integrationDescription(row('a', 'Pending'), NOW), 'Pending');
  });

  it('log nodes: #12 Succeeded, 12:30 · 4.2 s · 1,234 records; a Skipped entry says when it was due and why', () => {
    const done = job({ endedAt: new Date(at(12, 30).getTime() + 4200).toISOString(), records: { users: 1234 } });
    assert.equal(jobLabel(done), '#12 Succeeded');
    assert.equal(jobDescription(done, NOW), '12:30 · 4.2 s · 1,234 records');
    const skipped = job({ id: '000013', status: 'Skipped', startedAt: at(13, 30).toISOString(), endedAt: at(13, 30).toISOString(), error: 'job 000012 still running' });
    assert.equal(jobLabel(skipped), '#13 Skipped');
    assert.equal(jobDescription(skipped, NOW), 'due 13:30 · job 12 still running');
    const yesterday = job({ startedAt: at(8, 0, -1).toISOString(), endedAt: at(8, 1, -1).toISOString() });
    assert.equal(jobDescription(yesterday, NOW), 'Mon 08:00 · 1 min 0 s · 0 records');
    assert.equal(jobDescription(job({ status: 'Running', endedAt: null }), NOW), '12:30 · running');
  });

  it('the status bar: running, several, stopping, failed, all paused, idle', () => {
    const f = (r: IntegrationRow): FolderRow => ({ folder: 'ws', row: r });
    const unseen = (): boolean => true;
    const running = (n: string, recs: number): FolderRow => f(row(n, 'Running', { active: job({ integration: n, status: 'Running', endedAt: null, records: { s: recs } }) }));
    assert.equal(statusBarState([running('github', 12_345), f(row('b', 'Scheduled'))], NOW, unseen).text, '$(sync~spin) Singer: github · 12,345 records');
    assert.equal(statusBarState([running('a', 12_000), running('b', 345)], NOW, unseen).text, '$(sync~spin) Singer: 2 running · 12,345 records');
    assert.equal(statusBarState([f(row('a', 'Stopping'))], NOW, unseen).text, '$(sync~spin) Singer: stopping a');
    const failed = f(row('a', 'Failed', { nextRunAt: at(13, 0) }));
    assert.equal(statusBarState([failed, f(row('b', 'Scheduled', { nextRunAt: at(12, 30) }))], NOW, unseen).text, '$(error) Singer: 1 failed');
    assert.equal(statusBarState([failed, f(row('b', 'Scheduled', { nextRunAt: at(12, 30) }))], NOW, () => false).text, '$(clock) Singer: next 12:30');
    assert.equal(statusBarState([f(row('a', 'Paused')), f(row('b', 'Paused'))], NOW, unseen).text, '$(debug-pause) Singer: paused');
    assert.equal(statusBarState([f(row('a', 'Scheduled', { nextRunAt: at(9, 0, 1) })), f(row('b', 'Paused'))], NOW, unseen).text, '$(clock) Singer: next Wed 09:00');
    assert.equal(statusBarState([], NOW, unseen).kind, 'empty');
    assert.equal(statusBarState([f(row('a', 'Pending')), f(row('b', 'Paused'))], NOW, unseen).text, '$(clock) Singer: nothing scheduled');
  });
});
