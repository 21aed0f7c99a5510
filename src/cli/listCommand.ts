/** `list`: integrations at a glance, with the next run the scheduler would choose. */
import type { Engine } from '../core/engine';
import { totalRecords } from '../core/jobs';
import { integrationRows, listJson } from '../core/rows';
import type { SingerSettings } from '../core/settings';
import { json, table, type Io } from './output';

export async function listCommand(engine: Engine, asJson: boolean, io: Io, settings: SingerSettings): Promise<number> {
  const db = await engine.read();
  // The planner the scheduler uses, on the database read above: the next run is computed, not guessed.
  const rows = integrationRows(db, { now: new Date(), defaultFrequencyMs: settings.defaultFrequencyMs, catchUp: settings.catchUp });
  if (asJson) {
    io.out(json(rows.map(listJson)));
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
        r.integration.name,
        r.syncStatus,
        r.schedule,
        r.lastJob ? `${r.lastJob.id} ${r.lastJob.status} (${totalRecords(r.lastJob.records)} records)` : '-',
        r.nextRunAt?.toISOString() ?? (r.integration.paused ? 'paused' : '-'),
      ]),
    ]),
  );
  return 0;
}
