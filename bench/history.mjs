// Section "history" (issue 15): a job's cost must not grow with history. 500 integrations, first with
// no job history, then with the 100 retained jobs each (50,000 jobs), made by hand with the schema's
// own shapes; in each workspace `list --json` and a 10-record `run` are timed (best of `runs`,
// alternated between the two workspaces) with the CLI's peak RSS.
// Goals: with history, within 1.3x of the same commands without it; peak RSS < 100 MB.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fmtMB, fmtSec, runTimed, tail } from './lib.mjs';

export const name = 'history';
export const title = 'a job and `list` against the size of the history';

const INTEGRATIONS = 500;
const JOBS_EACH = 100;
const RATIO_GOAL = 1.3;
const RSS_GOAL_MB = 100;

export async function run(ctx) {
  const { root, python, runs, progress } = ctx;
  const n = ctx.integrations ?? INTEGRATIONS;
  const cli = path.join(root, 'dist/cli.js');
  const tap = [python, path.join(root, 'test/fixtures/bench/fast_tap.py'), '--records', '10'];
  const sink = [python, path.join(root, 'test/fixtures/bench/fast_sink.py')];
  const empty = workspace(n, 0, tap, sink);
  const full = workspace(n, JOBS_EACH, tap, sink);
  ctx.onCleanup(() => {
    if (process.env.BENCH_KEEP) return;
    rmSync(empty, { recursive: true, force: true });
    rmSync(full, { recursive: true, force: true });
  });
  const failures = [];
  const results = { empty: { list: [], run: [] }, full: { list: [], run: [] } };
  // One write first in each, so a layout migration (if the store has one) is not what is timed.
  for (const ws of [empty, full]) await runTimed([process.execPath, cli, '--workspace', ws, 'pause', 'it-0000']);
  for (let i = 1; i <= runs && !ctx.stopped(); i++) {
    for (const [key, ws] of [['empty', empty], ['full', full]]) {
      progress(`history: ${key} run ${i}/${runs}`);
      const list = await runTimed([process.execPath, cli, '--workspace', ws, 'list', '--json'], { pollRss: true, pollMs: 10 });
      if (list.code !== 0) failures.push(`history ${key}: list exited ${list.code}: ${tail(list.stderr, 3)}`);
      const job = await runTimed([process.execPath, cli, '--workspace', ws, 'run', 'it-0001'], { pollRss: true, pollMs: 10 });
      if (job.code !== 0) failures.push(`history ${key}: run exited ${job.code}: ${tail(job.stderr, 3)}`);
      results[key].list.push(list);
      results[key].run.push(job);
    }
  }
  const best = (xs) => Math.min(...xs.map((r) => r.wallMs));
  const peak = (xs) => Math.max(...xs.map((r) => r.peakRssKB ?? 0));
  const rows = [];
  for (const cmd of ['list', 'run']) {
    const ratio = best(results.full[cmd]) / best(results.empty[cmd]);
    const rss = peak(results.full[cmd]) / 1024;
    rows.push([
      cmd === 'list' ? '`list --json`' : 'a 10-record `run`',
      fmtSec(best(results.empty[cmd])),
      fmtSec(best(results.full[cmd])),
      `${ratio.toFixed(2)}×`,
      ratio <= RATIO_GOAL ? 'met' : 'MISSED',
      fmtMB(peak(results.full[cmd])),
      rss < RSS_GOAL_MB ? 'met' : 'MISSED',
    ]);
  }
  return {
    title: `${title}: ${n} integrations, no history vs ${JOBS_EACH} jobs each, best of ${runs}`,
    columns: ['command', 'no history (s)', 'with history (s)', 'ratio (≤ 1.3)', '', 'peak RSS MB (< 100)', ''],
    rows,
    notes: [`the workspaces: ${empty} and ${full} (BENCH_KEEP=1 keeps them)`],
    failures,
    metrics: { integrations: n, jobsEach: JOBS_EACH, results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { list: v.list.map((r) => r.wallMs), run: v.run.map((r) => r.wallMs), rssKB: [...v.list, ...v.run].map((r) => r.peakRssKB) }])) },
  };
}

/** A workspace of `n` paused integrations with `jobs` finished jobs each, in the database's own shapes. */
function workspace(n, jobs, tap, sink) {
  const dir = mkdtempSync(path.join(tmpdir(), `singer-bench-history-${jobs}-`));
  mkdirSync(path.join(dir, '.singer'), { recursive: true });
  const now = Date.now();
  const integrations = [];
  const all = [];
  const lastJobId = {};
  for (let i = 0; i < n; i++) {
    const name = `it-${String(i).padStart(4, '0')}`;
    integrations.push({
      name, tap: ['sh', '-c', 'unused'], target: ['sh', '-c', 'unused'], tapConfig: null, targetConfig: null, catalog: null,
      env: {}, schedule: { kind: 'interval', everyMs: 3_600_000 }, paused: true, createdAt: new Date(now - 200 * 3_600_000).toISOString(),
      anchorAt: null, scheduleChangedAt: null,
    });
    for (let j = 1; j <= jobs; j++) {
      const start = now - (jobs - j + 1) * 3_600_000;
      const skipped = j % 10 === 0;
      all.push({
        integration: name, id: String(j).padStart(6, '0'), status: skipped ? 'Skipped' : 'Succeeded', trigger: 'scheduled',
        startedAt: new Date(start).toISOString(), endedAt: new Date(start + (skipped ? 0 : 4200)).toISOString(),
        records: skipped ? {} : { users: 1234, orders: 567 }, tapExitCode: skipped ? null : 0, targetExitCode: skipped ? null : 0,
        error: skipped ? `job ${String(j - 1).padStart(6, '0')} still running` : null,
        logFile: skipped ? null : `.singer/logs/${name}/${String(j).padStart(6, '0')}.log`, stateSaved: !skipped, fullRefresh: false,
        runnerPid: 4242, runnerHost: 'bench', tapPgid: 4243, targetPgid: 4244, stopRequestedAt: null, stopGracePeriodSeconds: null,
      });
    }
    if (jobs) lastJobId[name] = jobs;
  }
  // The integration that runs gets the 10-record tap and the sink.
  integrations[1].tap = tap;
  integrations[1].target = sink;
  writeFileSync(path.join(dir, '.singer/db.json'), `${JSON.stringify({ version: 1, integrations, jobs: all, lastJobId }, null, 2)}\n`);
  return dir;
}
