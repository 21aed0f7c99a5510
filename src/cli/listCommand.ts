/** `list`: integrations at a glance, with the next run the scheduler would choose. */
import type { Engine } from '../core/engine';
import { jobsOf, totalRecords } from '../core/jobs';
import { nextRunFor } from '../core/schedule/inputs';
import { describeSchedule } from '../core/schedule/resolve';
import type { SingerSettings } from '../core/settings';
import { syncStatus } from '../core/status';
import { json, table, type Io } from './output';

export async function listCommand(engine: Engine, asJson: boolean, io: Io, settings: SingerSettings): Promise<number> {
  const db = await engine.read();
  const { defaultFrequencyMs, catchUp } = settings;
  const now = new Date();
  const rows = [];
  for (const it of db.integrations) {
    const jobs = jobsOf(db, it.name);
    const last = jobs.find((j) => j.status !== 'Skipped') ?? null;
    // The planner the scheduler uses, on the database read above: the next run is computed, not guessed.
    const next = nextRunFor(db, it, { now, catchUp, defaultFrequencyMs });
    rows.push({
      name: it.name,
      syncStatus: syncStatus(it, jobs),
      paused: it.paused,
      schedule: describeSchedule(it.schedule, defaultFrequencyMs),
      lastJob: last && { id: last.id, status: last.status, startedAt: last.startedAt, endedAt: last.endedAt, records: totalRecords(last.records) },
      nextRunAt: next?.toISOString() ?? null,
    });
  }
  if (asJson) {
    io.out(json(rows));
    return 0;
  }
  if (rows.length === 0) {
    io.out('No integrations yet. Create one with `singer-replication add NAME --tap CMD --target CMD`.');
    return 0;
  }
  io.out(
    table([
      ['NAME', 'STATUS', 'SCHEDULE', 'LAST JOB', 'NEXT RUN'],
      ...rows.map((r) => [
        r.name,
        r.syncStatus,
        r.schedule,
        r.lastJob ? `${r.lastJob.id} ${r.lastJob.status} (${r.lastJob.records} records)` : '-',
        r.nextRunAt ?? (r.paused ? 'paused' : '-'),
      ]),
    ]),
  );
  return 0;
}
