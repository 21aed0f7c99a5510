// Section "scheduler at scale" (DESIGN §4; rules 2-4): `integrations` integrations (default 500) with
// a 1-minute frequency and instant taps (test/fixtures/bench/instant_tap.sh | instant_target.sh) in
// one temporary workspace, driven by one `singer-replication schedule`:
//   1. db.json is written directly, in the shape of DatabaseSchema (src/core/model.ts), then read back
//      once with `list --json`, which must list them all.
//   2. `schedule` runs until every integration has had its first (historical) job and `rounds`
//      recurrences (default 2), and its last jobs have ended; then SIGTERM. From the jobs in db.json:
//      historical jobs: startedAt − the time the scheduler printed that it was active (rule 2);
//      scheduled jobs: startedAt − due, due = the previous entry's startedAt + frequency (rule 3; a
//      Skipped entry's startedAt is the time it was due, so the grid goes on through it);
//      the Skipped entries (none when the scheduler keeps up), job durations, and the scheduler's own
//      CPU time (not its taps' and targets') and peak RSS over that phase.
//   3. Idle: the same workspace and history with every frequency set to 24 h, so nothing is due for
//      a day. A new `schedule` plans them all (time to its last "next run" line), then its CPU time
//      (utime + stime from /proc/PID/stat) is read before and after an idle window (default 60 s).
// Every figure is measured in this one run; goals are reported here, never asserted in tests.
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, statSync, renameSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import path from 'node:path';
import { runTimed, startTracked, readCpuMs, readMemKB, quantile, fmtInt, fmtMB, tail, readDatabase } from './lib.mjs';

export const name = 'scheduler';
export const title = 'scheduler at scale';

const DAY_MS = 86_400_000;
/** After the last round, how long the jobs still running may take to end before SIGTERM. */
const END_WAIT_MS = 15_000;
/** The idle scheduler must have planned every integration within this. */
const PLAN_TIMEOUT_MS = 180_000;
/** After its last "next run" line, the idle scheduler gets this long to settle before the window opens. */
const SETTLE_MS = 2_000;

/**
 * @param {{ root: string, progress: (msg: string) => void, onCleanup: (fn: () => void) => void,
 *           stopped: () => boolean, integrations?: number, rounds?: number, idleSeconds?: number,
 *           frequencySeconds?: number, fixtures?: 'sh' | 'node' }} ctx
 */
export async function run(ctx) {
  const { root, progress } = ctx;
  const n = ctx.integrations ?? 500;
  const rounds = ctx.rounds ?? 2;
  const idleSeconds = ctx.idleSeconds ?? 60;
  const freqMs = (ctx.frequencySeconds ?? 60) * 1000;
  const fixtures = ctx.fixtures ?? 'sh';
  const cli = path.join(root, 'dist/cli.js');
  if (!existsSync(cli)) {
    throw new Error('dist/cli.js not found: build it with `npm run build:prod` (`npm run bench` does that first)');
  }
  const fixture = (base) =>
    fixtures === 'node'
      ? [process.execPath, path.join(root, `test/fixtures/bench/${base}.mjs`)]
      : ['sh', path.join(root, `test/fixtures/bench/${base}.sh`)];
  const tapArgv = fixture('instant_tap');
  const targetArgv = fixture('instant_target');

  const ws = mkdtempSync(path.join(tmpdir(), 'singer-bench-scheduler-'));
  ctx.onCleanup(() => {
    if (!process.env.BENCH_KEEP) rmSync(ws, { recursive: true, force: true });
  });
  const dbFile = path.join(ws, '.singer/db.json');
  const cliArgv = (...args) => [process.execPath, cli, '--workspace', ws, ...args];
  const failures = [];
  const freqText = freqMs % 60_000 === 0 ? `${freqMs / 60_000} min` : `${freqMs / 1000} s`;
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  const notes = [
    `${n} integrations, every ${freqText}; tap: ${fixtures} instant_tap, target: ${fixtures} instant_target; ${cpus().length} cores, load average at the start ${load}.`,
  ];
  const metrics = { integrations: n, frequencyMs: freqMs, rounds, idleSeconds, fixtures };

  // 1. The database, written directly, and read back by the CLI once.
  const names = Array.from({ length: n }, (_, i) => `bench-${String(i + 1).padStart(4, '0')}`);
  const createdAt = new Date().toISOString();
  writeDatabase(dbFile, {
    version: 1,
    integrations: names.map((nm) => ({
      name: nm,
      tap: tapArgv,
      target: targetArgv,
      tapConfig: null,
      targetConfig: null,
      catalog: null,
      env: {},
      schedule: { kind: 'interval', everyMs: freqMs },
      paused: false,
      createdAt,
      anchorAt: null,
      scheduleChangedAt: null,
    })),
    jobs: [],
    lastJobId: {},
  });
  const listed = await listJson(cliArgv, n);
  metrics.listEmptyMs = listed.wallMs;

  // 2. The scheduled rounds.
  progress(`scheduler: starting ${n} integrations`);
  const busy = await runScheduler(ctx, cliArgv, names, {
    // Each integration is done after its historical job and `rounds` more entries (started or skipped).
    doneWhen: (s) => s.entries >= rounds + 1,
    deadlineMs: (rounds + 1) * freqMs * 3 + 120_000,
    progress: (s) => `scheduler: ${s.complete}/${n} integrations through round ${rounds}, ${s.started} jobs started, ${s.skipped} skipped`,
  });
  for (const f of busy.failures) failures.push(`scheduled phase: ${f}`);

  const db = readDatabase(dbFile);
  const a = analyse(db, names, busy.activeAt, freqMs, rounds);
  if (a.failed.length) failures.push(`${a.failed.length} jobs Failed, e.g. ${a.failed[0].integration} job ${a.failed[0].id}: ${a.failed[0].error}`);
  if (a.otherTriggers) failures.push(`${a.otherTriggers} jobs started with a trigger other than "scheduled" (catch-up?)`);
  // `schedule` stops its jobs on SIGTERM before it exits: a job still Running in db.json lost a write.
  const stuck = db.jobs.filter((j) => j.status === 'Running' || j.status === 'Stopping');
  const stuckEnded = stuck.filter((j) => logSaysEnded(ws, j)).length;
  if (stuck.length) {
    failures.push(
      `${stuck.length} jobs still Running in db.json after \`schedule\` stopped (exit ${busy.exitCode}); the logs of ${stuckEnded} of them ` +
        `record their end (e.g. ${stuck[0].integration} job ${stuck[0].id}): the job's final database write was lost`,
    );
  }
  const incomplete = names.filter((nm) => (a.entriesOf.get(nm) ?? 0) < rounds + 1).length;
  if (incomplete) failures.push(`${incomplete} integrations had fewer than ${rounds + 1} entries when the scheduler was stopped`);

  // 3. Idle: everything 24 h away.
  let idle = null;
  if (!ctx.stopped()) {
    for (const it of db.integrations) it.schedule = { kind: 'interval', everyMs: DAY_MS };
    writeDatabase(dbFile, db);
    progress(`scheduler: idle, planning ${n} integrations`);
    idle = await runScheduler(ctx, cliArgv, names, {
      doneWhen: (s) => s.nextRuns >= 1,
      deadlineMs: PLAN_TIMEOUT_MS,
      progress: (s) => `scheduler: idle, ${s.complete}/${n} integrations planned`,
      idleMs: idleSeconds * 1000,
    });
    for (const f of idle.failures) failures.push(`idle phase: ${f}`);
    if (idle.startedTotal) failures.push(`idle phase: ${idle.startedTotal} jobs started, though nothing was due for 24 h`);
  }
  const dbBytes = statSync(dbFile).size;
  const endDb = readDatabase(dbFile);
  const listedEnd = ctx.stopped() ? null : await listJson(cliArgv, n).catch((err) => {
    failures.push(`list --json at the end: ${err.message}`);
    return null;
  });

  // The table.
  const ms = (v) => (v === null || v === undefined ? '—' : fmtInt(v));
  const stats = (v) => [String(v.length), ms(quantile(v, 0.5)), ms(quantile(v, 0.99)), ms(v.length ? Math.max(...v) : null)];
  const rows = [];
  rows.push([
    'first (historical) jobs: start − scheduler active',
    ...stats(a.historical),
    a.historical.length ? `rule 2: all ${a.historical.length} started within ${(Math.max(...a.historical) / 1000).toFixed(1)} s` : '',
  ]);
  rows.push([`scheduled jobs: start − due (previous start + ${freqText})`, ...stats(a.lags), 'rule 3']);
  a.perRound.forEach((v, i) => rows.push([`  recurrence ${i + 1}`, ...stats(v), '']));
  if (a.extraLags.length) rows.push(['  later (before the scheduler was stopped)', ...stats(a.extraLags), '']);
  rows.push(['jobs left Running in db.json after SIGTERM', String(stuck.length), '', '', '', stuck.length ? `${stuckEnded} of them ended, says their log` : 'goal 0: met']);
  rows.push(['job duration (endedAt − startedAt)', ...stats(a.durations), 'tap | target, records, state, history']);
  const skipReasons = [...a.skipReasons].map(([r, c]) => `${c}× ${r}`).join('; ');
  rows.push(['Skipped entries', String(a.skipped), '', '', '', `goal 0: ${a.skipped === 0 ? 'met' : `NOT met (${skipReasons})`}`]);
  const busyCpu = busy.cpuMs;
  rows.push([
    'scheduler CPU, rounds phase (own, not its taps)',
    '', '', '', '',
    busyCpu === null ? '—' : `${fmtInt(busyCpu)} ms in ${(busy.wallMs / 1000).toFixed(0)} s = ${((100 * busyCpu) / busy.wallMs).toFixed(0)}% of a core`,
  ]);
  rows.push(['scheduler peak RSS, rounds phase', '', '', '', '', busy.hwmKB === null ? '—' : `${fmtMB(busy.hwmKB)} MB`]);
  if (idle) {
    rows.push(['idle scheduler: start to all planned', '', '', '', '', idle.plannedMs === null ? '—' : `${fmtInt(idle.plannedMs)} ms (node start, db read, ${n} plans)`]);
    rows.push([
      `scheduler CPU, idle ${idleSeconds} s (all due in 24 h)`,
      '', '', '', '',
      idle.idleCpuMs === null ? '—' : `${fmtInt(idle.idleCpuMs)} ms CPU over ${(idle.idleWallMs / 1000).toFixed(0)} s`,
    ]);
    rows.push(['scheduler RSS, idle', '', '', '', '', idle.rssKB === null ? '—' : `${fmtMB(idle.rssKB)} MB (peak ${fmtMB(idle.hwmKB)} MB)`]);
  }
  rows.push(['db.json at the end', '', '', '', '', `${fmtInt(dbBytes)} bytes: ${endDb.integrations.length} integrations, ${endDb.jobs.length} jobs`]);
  rows.push(['`list --json` wall time, before / after', '', '', '', '', `${ms(listed.wallMs)} / ${ms(listedEnd?.wallMs)} ms`]);

  notes.push(
    'ms = milliseconds; p50/p99 by nearest rank; starts, due times and durations come from the jobs in db.json after the scheduler stopped.',
    `the rounds phase ends when every integration has ${rounds + 1} entries and its jobs have ended (jobs still running after ${END_WAIT_MS / 1000} s are stopped, Cancelled).`,
    'CPU = utime + stime of the `schedule` process from /proc/PID/stat; RSS = its VmRSS, peak = VmHWM.',
  );
  Object.assign(metrics, {
    historicalMs: summary(a.historical),
    scheduledLagMs: summary(a.lags),
    perRecurrenceLagMs: a.perRound.map(summary),
    jobDurationMs: summary(a.durations),
    skipped: a.skipped,
    leftRunning: stuck.length,
    skipReasons: Object.fromEntries(a.skipReasons),
    roundsPhase: { wallMs: Math.round(busy.wallMs), cpuMs: busyCpu, peakRssKB: busy.hwmKB },
    idle: idle && { plannedMs: idle.plannedMs, cpuMs: idle.idleCpuMs, wallMs: idle.idleWallMs, rssKB: idle.rssKB, peakRssKB: idle.hwmKB },
    dbBytes,
    dbJobs: endDb.jobs.length,
    listJsonMs: { before: listed.wallMs, after: listedEnd?.wallMs ?? null },
  });
  return {
    title: `${title}: ${n} integrations every ${freqText}, ${rounds} recurrence${rounds === 1 ? "" : "s"}, ${idleSeconds} s idle`,
    columns: ['measure', 'n', 'p50 ms', 'p99 ms', 'max ms', 'value / note'],
    rows,
    notes,
    failures,
    metrics,
  };
}

function summary(v) {
  return { n: v.length, p50: quantile(v, 0.5), p99: quantile(v, 0.99), max: v.length ? Math.max(...v) : null };
}

/** Atomic, as the engine writes it: a temp file beside it, then rename. */
function writeDatabase(file, db) {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.bench-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(db, null, 2)}\n`);
  renameSync(tmp, file);
}

async function listJson(cliArgv, n) {
  const res = await runTimed(cliArgv('list', '--json'), { keep: 1 << 28 });
  if (res.code !== 0) throw new Error(`\`list --json\` exited ${res.code ?? res.signal}: ${tail(res.stderr + res.stdout, 3)}`);
  let rows;
  try {
    rows = JSON.parse(res.stdout);
  } catch (err) {
    throw new Error(`\`list --json\` printed no JSON (${err.message}): ${res.stdout.slice(0, 200)}`);
  }
  if (!Array.isArray(rows) || rows.length !== n) throw new Error(`\`list --json\` listed ${rows?.length} integrations, not the ${n} written to db.json`);
  return { wallMs: Math.round(res.wallMs) };
}

/**
 * Runs `schedule` until doneWhen(per-integration counts) holds for every integration (or the
 * deadline), lets its running jobs end, optionally measures an idle window, then SIGTERM. Follows
 * its event lines: "<ISO> scheduler active …", "<ISO> NAME: job ID started (…)", "… ended STATUS",
 * "… recurrence due … skipped …", "… next run …", "… error: …".
 */
async function runScheduler(ctx, cliArgv, names, { doneWhen, deadlineMs, progress, idleMs = null }) {
  const per = new Map(names.map((nm) => [nm, { entries: 0, nextRuns: 0, running: 0 }]));
  const failures = [];
  const errors = [];
  let activeAt = null;
  let started = 0;
  let skipped = 0;
  let complete = 0;
  let lastDoneAt = null; // the time on the line that completed the last integration
  const onLine = (line) => {
    const sp = line.indexOf(' ');
    const ts = line.slice(0, sp);
    const text = line.slice(sp + 1);
    if (text.startsWith('scheduler active')) {
      activeAt = Date.parse(ts);
      return;
    }
    const m = /^(\S+): (job \S+ started|job \S+ ended|recurrence due|next run|error:)/.exec(text);
    if (!m) return;
    if (m[1] === 'scheduler') {
      if (m[2] === 'error:') errors.push(text);
      return;
    }
    const s = per.get(m[1]);
    if (!s) return;
    const wasDone = doneWhen(s);
    if (m[2].endsWith('started')) {
      s.entries++;
      s.running++;
      started++;
    } else if (m[2].endsWith('ended')) s.running--;
    else if (m[2] === 'recurrence due') {
      s.entries++;
      skipped++;
    } else if (m[2] === 'next run') s.nextRuns++;
    else errors.push(text);
    if (!wasDone && doneWhen(s)) {
      complete++;
      lastDoneAt = Date.parse(ts);
    }
  };

  const t0 = performance.now();
  const spawnedAt = Date.now();
  const sched = startTracked(cliArgv('schedule'), { onLine });
  let exit = null;
  const exited = sched.exited.then((st) => {
    exit = st;
    return st;
  });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const state = () => ({ complete, started, skipped });
  let doneAt = null;
  while (!ctx.stopped() && exit === null) {
    ctx.progress(progress(state()));
    if (complete === names.length) {
      doneAt = performance.now();
      break;
    }
    if (performance.now() - t0 > deadlineMs) {
      failures.push(`after ${(deadlineMs / 1000).toFixed(0)} s only ${complete} of ${names.length} integrations got there; stopped it`);
      break;
    }
    await sleep(250);
  }
  const endWait = performance.now() + END_WAIT_MS;
  const runningNow = () => [...per.values()].reduce((s, x) => s + Math.max(x.running, 0), 0);
  while (!ctx.stopped() && exit === null && runningNow() > 0 && performance.now() < endWait) await sleep(100);

  let idleCpuMs = null;
  let idleWallMs = null;
  const startedBeforeIdle = started;
  if (idleMs !== null && doneAt !== null && exit === null) {
    await sleep(SETTLE_MS);
    const c0 = readCpuMs(sched.pid);
    const w0 = performance.now();
    while (!ctx.stopped() && exit === null && performance.now() - w0 < idleMs) {
      ctx.progress(`scheduler: idle window, ${((performance.now() - w0) / 1000).toFixed(0)}/${idleMs / 1000} s`);
      await sleep(Math.min(1000, Math.max(1, idleMs - (performance.now() - w0))));
    }
    const c1 = readCpuMs(sched.pid);
    idleWallMs = Math.round(performance.now() - w0);
    if (c0 !== null && c1 !== null && exit === null) idleCpuMs = Math.round(c1 - c0);
  }
  const cpuMs = exit === null ? readCpuMs(sched.pid) : null;
  const mem = exit === null ? readMemKB(sched.pid) : { rss: null, hwm: null };
  const wallMs = performance.now() - t0;
  if (exit === null) {
    try {
      process.kill(sched.pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  const st = await exited;
  if (st.code !== 0) failures.push(`\`schedule\` exited ${st.code ?? st.signal}: ${tail(sched.stderr(), 3)}`);
  if (activeAt === null) failures.push('`schedule` never printed "scheduler active"');
  if (errors.length) failures.push(`${errors.length} error lines, e.g. ${errors[0]}`);
  return {
    activeAt,
    exitCode: st.code ?? st.signal,
    failures,
    wallMs,
    cpuMs: cpuMs === null ? null : Math.round(cpuMs),
    rssKB: mem.rss,
    hwmKB: mem.hwm,
    plannedMs: doneAt === null || lastDoneAt === null ? null : lastDoneAt - spawnedAt,
    idleCpuMs,
    idleWallMs,
    startedTotal: started,
    startedDuringIdle: started - startedBeforeIdle,
  };
}

/** Whether a job's log file records its end ("job 000042 Succeeded", … Failed, … Cancelled). */
function logSaysEnded(ws, job) {
  if (!job.logFile) return false;
  try {
    return new RegExp(`job ${job.id} (Succeeded|Failed|Cancelled)`).test(readFileSync(path.resolve(ws, job.logFile), 'utf8'));
  } catch {
    return false;
  }
}

/** The figures of the rounds phase, from the jobs in db.json. */
function analyse(db, names, activeAt, freqMs, rounds) {
  const byName = new Map(names.map((nm) => [nm, []]));
  for (const j of db.jobs) byName.get(j.integration)?.push(j);
  const historical = [];
  const lags = [];
  const perRound = Array.from({ length: rounds }, () => []);
  const extraLags = [];
  const durations = [];
  const failed = [];
  const skipReasons = new Map();
  const entriesOf = new Map();
  let skipped = 0;
  let otherTriggers = 0;
  for (const [nm, jobs] of byName) {
    jobs.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    entriesOf.set(nm, jobs.length);
    jobs.forEach((j, k) => {
      const start = Date.parse(j.startedAt);
      if (j.status === 'Skipped') {
        skipped++;
        const reason = (j.error ?? '').replace(/job \d+/, 'job N');
        skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
        return;
      }
      if (j.trigger !== 'scheduled') otherTriggers++;
      if (j.status === 'Failed') failed.push(j);
      if (j.endedAt) durations.push(Date.parse(j.endedAt) - start);
      if (k === 0) {
        if (activeAt !== null) historical.push(start - activeAt);
        return;
      }
      const lag = start - (Date.parse(jobs[k - 1].startedAt) + freqMs);
      lags.push(lag);
      if (k <= rounds) perRound[k - 1].push(lag);
      else extraLags.push(lag);
    });
  }
  return { historical, lags, perRound, extraLags, durations, failed, skipped, skipReasons, entriesOf, otherTriggers };
}
