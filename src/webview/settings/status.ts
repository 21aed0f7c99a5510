/**
 * The Status section: Active/Paused (at once, as Pause and Resume Integration do), the sync status,
 * the next run as the scheduler plans it, the last job with Show Log, and the history chart.
 */
import type { JobView } from '../../core/settingsCheck';
import { clock } from '../../core/viewText';
import type { Snapshot } from '../protocol';
import { historyChart, jobTooltip, statusClass } from './chart';
import { fill, h, icon, show } from './dom';

export interface StatusEvents {
  setPaused(paused: boolean): void;
  showLog(job: JobView): void;
}

const SYNC_ICON: Record<Snapshot['status']['syncStatus'], string> = {
  Pending: 'circle-large-outline',
  Running: 'sync codicon-modifier-spin',
  Stopping: 'loading codicon-modifier-spin',
  Scheduled: 'pass',
  Paused: 'debug-pause',
  Failed: 'error',
};

export class StatusSection {
  readonly element: HTMLElement;
  private readonly active = h('input', { type: 'checkbox', role: 'switch', id: 'active', class: 'switch', 'aria-describedby': 'active-desc' });
  private readonly activeLabel = h('span', { class: 'switch-label' });
  private readonly activeDesc = h('div', { class: 'setting-item-description', id: 'active-desc' });
  private readonly sync = h('dd', {});
  private readonly next = h('dd', {});
  private readonly last = h('dd', { class: 'last-job' });
  private readonly chart = h('div', { class: 'chart-host' });
  private readonly restricted = h('p', { class: 'description note', hidden: true }, icon('shield'), ' Restricted Mode: this window runs no scheduler or job until the workspace is trusted.');
  private readonly showLogButton = h('button', { type: 'button', class: 'secondary', id: 'show-log' }, icon('output'), 'Show Log');
  private lastJob: JobView | null = null;

  constructor(private readonly events: StatusEvents) {
    this.active.addEventListener('change', () => {
      this.active.disabled = true; // until the host has saved it and said so
      this.events.setPaused(!this.active.checked);
    });
    this.showLogButton.addEventListener('click', () => this.lastJob && this.events.showLog(this.lastJob));
    this.element = h(
      'section',
      { id: 'status', 'aria-labelledby': 'status-title' },
      h('h2', { id: 'status-title' }, 'Status'),
      h(
        'div',
        { class: 'setting-item', 'data-field': 'paused' },
        h('div', { class: 'setting-item-title' }, h('label', { for: 'active' }, 'Schedule')),
        h('label', { class: 'switch-row' }, this.active, this.activeLabel),
        this.activeDesc,
      ),
      h('div', { class: 'setting-item' }, h('dl', { class: 'facts' }, h('dt', {}, 'Sync Status'), this.sync, h('dt', {}, 'Next Run'), this.next, h('dt', {}, 'Last Job'), this.last), this.restricted),
      h('div', { class: 'setting-item' }, h('div', { class: 'setting-item-title' }, h('span', {}, 'Job History')), this.chart),
    );
  }

  render(s: Snapshot, now: Date): void {
    const st = s.status;
    this.active.checked = !st.paused;
    this.active.disabled = false;
    this.activeLabel.textContent = st.paused ? 'Paused' : 'Active';
    this.activeDesc.textContent = st.paused
      ? 'No scheduled job starts. Start Extraction still runs one by hand, and the integration stays paused.'
      : `Jobs start on the schedule (${st.schedule}).`;
    fill(this.sync, h('span', { class: `sync-status ${st.syncStatus.toLowerCase()}` }, icon(SYNC_ICON[st.syncStatus]), st.syncStatus), h('span', { class: 'description' }, st.schedule));
    fill(this.next, nextRunText(st, now));
    this.lastJob = st.lastJob;
    if (st.lastJob) {
      const j = st.lastJob;
      show(this.showLogButton, j.hasLog);
      fill(this.last, h('span', { class: `job-status ${statusClass(j.status)}` }, jobTooltip(j, now).split('\n')[0]!), ' ', this.showLogButton);
    } else fill(this.last, h('span', { class: 'description' }, 'None yet'));
    show(this.restricted, !s.trusted);
    fill(this.chart, historyChart(st.history, now, (j) => this.events.showLog(j)));
  }

  /** A paused/resumed request failed: the switch shows the saved state again. */
  enable(): void {
    this.active.disabled = false;
  }
}

function nextRunText(st: Snapshot['status'], now: Date): string {
  if (st.paused) return 'None while paused';
  if (st.syncStatus === 'Running' || st.syncStatus === 'Stopping') return st.nextRunAt ? `${clock(new Date(st.nextRunAt), now)} (after the running job)` : 'After the running job';
  if (!st.nextRunAt) return 'None';
  const at = Date.parse(st.nextRunAt);
  if (at <= now.getTime() + 1000) return 'Now';
  return `${clock(new Date(at), now)} (${inWords(at - now.getTime())})`;
}

/** "in 25 min", "in 3 h 5 min", "in 2 days". */
export function inWords(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 1) return 'in less than a minute';
  if (min < 60) return `in ${min} min`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return `in ${hours} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `in ${Math.round(hours / 24)} days`;
}
