/**
 * The words the editor shows for integrations and jobs (DESIGN §6): tree descriptions, log labels,
 * the status bar's text. Pure, so every wording is tested in plain Node; times are local.
 */
import { totalRecords } from './jobs';
import type { Job } from './model';
import type { IntegrationRow } from './rows';

const DAY_MS = 86_400_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function records(n: number): string {
  return `${count(n)} record${n === 1 ? '' : 's'}`;
}

function hhmm(d: Date): string {
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** `12:30` today, `Tue 12:30` within a week of today, `3 Dec 12:30` further away (local time). */
export function clock(d: Date, now: Date): string {
  const days = Math.round((startOfDay(d) - startOfDay(now)) / DAY_MS);
  if (days === 0) return hhmm(d);
  if (Math.abs(days) < 7) return `${WEEKDAYS[d.getDay()]} ${hhmm(d)}`;
  const year = d.getFullYear() === now.getFullYear() ? '' : ` ${d.getFullYear()}`;
  return `${d.getDate()} ${MONTHS[d.getMonth()]}${year} ${hhmm(d)}`;
}

/** `0.4 s`, `4.2 s`, `3 min 12 s`, `1 h 8 min`. */
export function elapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The job number as people say it: `000012` is `12`. */
export function jobNumber(id: string): string {
  return String(Number(id));
}

/** Job ids inside a text ("job 000041 still running") as people say them ("job 41 still running"). */
export function unpadJobIds(text: string): string {
  return text.replace(/\bjob 0*(\d+)/g, 'job $1');
}

/** The tree's description of an integration: `Running · 12,345 records`, `next 12:30`, `Failed · next Tue 12:30`… */
export function integrationDescription(row: IntegrationRow, now: Date, liveRecords?: Readonly<Record<string, number>>): string {
  const next = row.nextRunAt ? `next ${clock(row.nextRunAt, now)}` : null;
  switch (row.syncStatus) {
    case 'Running':
      return `Running · ${records(totalRecords(liveRecords ?? row.active?.records ?? {}))}`;
    case 'Stopping':
      return 'Stopping';
    case 'Paused':
      return 'Paused';
    case 'Pending':
      return 'Pending';
    case 'Failed':
      return next ? `Failed · ${next}` : 'Failed';
    case 'Scheduled':
      return next ?? 'Scheduled';
  }
}

/** `#12 Succeeded`. */
export function jobLabel(job: Job): string {
  return `#${jobNumber(job.id)} ${job.status}`;
}

/** `12:30 · 4.2 s · 1,234 records`; a Skipped entry: `due 13:30 · job 12 still running`. */
export function jobDescription(job: Job, now: Date): string {
  const start = new Date(job.startedAt);
  if (job.status === 'Skipped') return `due ${clock(start, now)} · ${unpadJobIds(job.error ?? 'skipped')}`;
  // Live counts belong to the integration's node, which is updated as they come; this one says only that it runs.
  if (job.endedAt === null) return `${clock(start, now)} · ${job.status === 'Stopping' ? 'stopping' : 'running'}`;
  return `${clock(start, now)} · ${elapsed(Date.parse(job.endedAt) - start.getTime())} · ${records(totalRecords(job.records))}`;
}

export interface FolderRow {
  /** The workspace folder's name (shown when there are several). */
  folder: string;
  row: IntegrationRow;
}

export type StatusBarState =
  | { kind: 'empty'; text: string }
  | { kind: 'running'; text: string; rows: FolderRow[] }
  | { kind: 'stopping'; text: string; rows: FolderRow[] }
  | { kind: 'failed'; text: string; failed: FolderRow[] }
  | { kind: 'paused'; text: string }
  | { kind: 'idle'; text: string; next: FolderRow | null };

/**
 * The status bar's one line over every folder's integrations (DESIGN §6). Running jobs win, then
 * stopping ones, then failures the user has not looked at, then the all-paused and idle states.
 * `unseenFailure` says whether a row's failed last job is one whose log was not opened since.
 */
export function statusBarState(
  rows: readonly FolderRow[],
  now: Date,
  unseenFailure: (r: FolderRow) => boolean,
  live: (r: FolderRow) => Readonly<Record<string, number>> | undefined = () => undefined,
): StatusBarState {
  if (rows.length === 0) return { kind: 'empty', text: '$(sync) Singer' };
  const running = rows.filter((r) => r.row.syncStatus === 'Running');
  const stopping = rows.filter((r) => r.row.syncStatus === 'Stopping');
  if (running.length > 0) {
    const n = running.reduce((sum, r) => sum + totalRecords(live(r) ?? r.row.active?.records ?? {}), 0);
    const who = running.length === 1 ? running[0]!.row.integration.name : `${running.length} running`;
    return { kind: 'running', text: `$(sync~spin) Singer: ${who} · ${records(n)}`, rows: running };
  }
  if (stopping.length > 0) {
    const who = stopping.length === 1 ? stopping[0]!.row.integration.name : `${stopping.length} integrations`;
    return { kind: 'stopping', text: `$(sync~spin) Singer: stopping ${who}`, rows: stopping };
  }
  const failed = rows.filter((r) => r.row.syncStatus === 'Failed' && unseenFailure(r));
  if (failed.length > 0) return { kind: 'failed', text: `$(error) Singer: ${failed.length} failed`, failed };
  if (rows.every((r) => r.row.integration.paused)) return { kind: 'paused', text: '$(debug-pause) Singer: paused' };
  let next: FolderRow | null = null;
  for (const r of rows) {
    if (r.row.nextRunAt && (!next || r.row.nextRunAt < next.row.nextRunAt!)) next = r;
  }
  // No next run anywhere: an untrusted folder (nothing starts by itself), or schedules that never fire again.
  return { kind: 'idle', text: next ? `$(clock) Singer: next ${clock(next.row.nextRunAt!, now)}` : '$(clock) Singer: nothing scheduled', next };
}
