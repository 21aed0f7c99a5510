/**
 * The job history chart of the Status section: one bar per job of the last 30, oldest on the left,
 * height = records, colour = status (theme colours, set by class in settings.css), a tooltip with the
 * time, duration and records. A Skipped entry is a gap with a small mark whose tooltip gives the reason.
 * Inline SVG drawn here: no chart library.
 */
import type { JobView } from '../../core/settingsCheck';
import { clock, elapsed, jobNumber, records, unpadJobIds } from '../../core/viewText';
import { h, svg } from './dom';

const SLOTS = 30;
const SLOT = 20;
const BAR = 14;
const HEIGHT = 96;
const TOP = 4;
/** A job with no records still shows as a sliver, so its colour (status) is seen. */
const MIN_BAR = 3;

const LEGEND: Array<[string, string]> = [
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
  ['interrupted', 'Interrupted'],
  ['running', 'Running'],
  ['skipped', 'Skipped'],
];

/** What a job's tooltip says: `#12 Succeeded · Tue 12:30 · 4.2 s · 1,234 records`. */
export function jobTooltip(j: JobView, now: Date): string {
  const start = new Date(j.startedAt);
  if (j.status === 'Skipped') return `Skipped: due ${clock(start, now)} · ${unpadJobIds(j.error ?? 'skipped')}`;
  const took = j.endedAt === null ? `running ${elapsed(now.getTime() - start.getTime())}` : elapsed(Date.parse(j.endedAt) - start.getTime());
  const why = j.error && j.status !== 'Succeeded' ? `\n${unpadJobIds(j.error)}` : '';
  return `#${jobNumber(j.id)} ${j.status} · ${clock(start, now)} · ${took} · ${records(j.records)}${why}`;
}

export function statusClass(status: JobView['status']): string {
  return status === 'Stopping' ? 'running' : status.toLowerCase();
}

/** The chart, its caption and legend; `openLog` is called when a bar with a log is clicked. */
export function historyChart(jobs: readonly JobView[], now: Date, openLog: (job: JobView) => void): HTMLElement {
  const shown = jobs.slice(-SLOTS);
  if (shown.length === 0) return h('p', { class: 'chart-empty description' }, 'No job has run yet: the chart shows the last 30 jobs once there are some.');
  const max = Math.max(1, ...shown.map((j) => (j.status === 'Skipped' ? 0 : j.records)));
  const width = SLOTS * SLOT;
  const chart = svg('svg', {
    class: 'history-chart',
    viewBox: `0 0 ${width} ${HEIGHT}`,
    preserveAspectRatio: 'xMinYMax meet',
    role: 'img',
    'aria-label': summary(shown),
  });
  chart.append(svg('line', { class: 'axis', x1: 0, x2: width, y1: HEIGHT - 0.5, y2: HEIGHT - 0.5 }));
  shown.forEach((j, i) => {
    const x = i * SLOT + (SLOT - BAR) / 2;
    const tip = svg('title', {}, jobTooltip(j, now));
    if (j.status === 'Skipped') {
      // The gap keeps its slot; a hit area the full height carries the reason.
      chart.append(
        svg('g', { class: 'job skipped' }, tip, svg('rect', { class: 'hit', x: i * SLOT, y: 0, width: SLOT, height: HEIGHT }), svg('line', { class: 'gap-mark', x1: x, x2: x + BAR, y1: HEIGHT - 3, y2: HEIGHT - 3 })),
      );
      return;
    }
    const height = Math.max(MIN_BAR, Math.round(((HEIGHT - TOP) * j.records) / max));
    const bar = svg('rect', { class: 'bar', x, y: HEIGHT - height, width: BAR, height, rx: 1 });
    const g = svg('g', { class: `job ${statusClass(j.status)}${j.hasLog ? ' has-log' : ''}`, 'data-job': j.id }, tip, svg('rect', { class: 'hit', x: i * SLOT, y: 0, width: SLOT, height: HEIGHT }), bar);
    if (j.hasLog) g.addEventListener('click', () => openLog(j));
    chart.append(g);
  });
  const present = new Set(shown.map((j) => statusClass(j.status)));
  return h(
    'figure',
    { class: 'chart' },
    h('div', { class: 'chart-scale description' }, `${records(max)}`),
    chart,
    h(
      'figcaption',
      { class: 'description' },
      h('span', {}, `The last ${shown.length === 1 ? 'job' : `${shown.length} jobs`}, oldest on the left; the bar's height is its records. Click a bar to open its log.`),
      h('ul', { class: 'legend' }, ...LEGEND.filter(([c]) => present.has(c)).map(([c, label]) => h('li', {}, h('span', { class: `swatch ${c}`, 'aria-hidden': 'true' }), label))),
    ),
  );
}

function summary(jobs: readonly JobView[]): string {
  const counts = new Map<string, number>();
  for (const j of jobs) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
  const parts = [...counts].map(([s, n]) => `${n} ${s}`);
  return `The last ${jobs.length} jobs: ${parts.join(', ')}`;
}
