// Section "relay throughput" (DESIGN §5 "Throughput"): the same tap and sink
// (test/fixtures/bench/fast_tap.py | fast_sink.py) through
//   (a) a raw OS pipe, `sh -c 'tap | sink'` (the only spawn through a shell, by definition);
//   (b) the engine: `singer-replication run` on an integration added with those commands; its
//       throughput is records ÷ the time the job's log gives from spawning the first program to
//       both having exited (measured like the raw pipe, whose `sh` spawns and waits for both);
//       the job record's (endedAt − startedAt), the whole CLI's wall time and peak RSS are shown too;
//   (c) `meltano run` in a throwaway project whose custom extractor and loader are the same scripts,
//       when .venv-bench/bin/meltano exists (scripts/setup-python.sh --meltano).
// Best of `runs` runs each, alternated a, b, c, a, b, c, …
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runTimed, shJoin, shQuote, fmtInt, fmtSec, fmtMB, tail } from './lib.mjs';

export const name = 'relay';
export const title = 'relay throughput';

const GOAL = 0.9;

/**
 * @param {{ root: string, records: number, runs: number, python: string, progress: (msg: string) => void,
 *           onCleanup: (fn: () => void) => void, stopped: () => boolean }} ctx
 * @returns {Promise<{ title: string, columns: string[], rows: string[][], notes: string[], failures: string[],
 *                     metrics: object }>}  metrics: the raw numbers, for --json
 */
export async function run(ctx) {
  const { root, records, runs, python, progress } = ctx;
  const tapScript = path.join(root, 'test/fixtures/bench/fast_tap.py');
  const sinkScript = path.join(root, 'test/fixtures/bench/fast_sink.py');
  const tapArgv = [python, tapScript, '--records', String(records)];
  const sinkArgv = [python, sinkScript];

  const contenders = [rawPipe(tapArgv, sinkArgv, records), engine(ctx, tapArgv, sinkArgv, records), meltano(ctx, records)];
  for (const c of contenders) {
    if (ctx.stopped()) break;
    try {
      c.skip = await c.setup();
    } catch (err) {
      c.error = err.message;
    }
  }
  for (let i = 1; i <= runs; i++) {
    for (const c of contenders) {
      if (c.skip || c.error || ctx.stopped()) continue;
      progress(`relay: ${c.key} run ${i}/${runs}`);
      try {
        c.results.push(await c.measure());
      } catch (err) {
        c.error = err.message;
      }
    }
  }
  for (const c of contenders) {
    try {
      c.cleanup();
    } catch {
      // temp dirs only
    }
  }

  const [a, b, m] = contenders;
  const rows = [];
  const failures = [];
  const best = (c, key) => (c.results.length ? Math.min(...c.results.map((r) => r[key])) : null);
  const median = (c, key) => {
    const v = c.results.map((r) => r[key]).sort((x, y) => x - y);
    return v.length ? (v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : null;
  };
  const spread = (c, key) => c.results.map((r) => fmtSec(r[key])).join(', ');
  const maxRss = (c) => {
    const v = c.results.map((r) => r.rssKB).filter((x) => x !== null && x !== undefined);
    return v.length ? Math.max(...v) : null;
  };
  const status = (c) => (c.error ? 'FAILED (below)' : c.skip ? c.skip : null);

  const aMs = best(a, 'wallMs');
  rows.push(['(a) raw OS pipe: sh -c \'tap | sink\'', ...(aMs ? [fmtInt(rate(records, aMs)), fmtSec(aMs), '—', ''] : ['—', '—', '—', status(a)])]);

  const bRunMs = best(b, 'runMs');
  const bJobMs = best(b, 'jobMs');
  const bWallMs = best(b, 'wallMs');
  if (bRunMs !== null) {
    rows.push(['(b) engine: tap → relay → target', fmtInt(rate(records, bRunMs)), fmtSec(bRunMs), fmtMB(maxRss(b)), 'first spawn to both exited; RSS: the CLI, max of runs']);
    rows.push(['(b) engine: the job (endedAt − startedAt)', fmtInt(rate(records, bJobMs)), fmtSec(bJobMs), '', 'adds the database writes and the log']);
    rows.push(['(b) engine: whole `singer-replication run`', fmtInt(rate(records, bWallMs)), fmtSec(bWallMs), '', 'adds node start, database read, lock']);
  } else {
    rows.push(['(b) engine: singer-replication run', '—', '—', '—', status(b)]);
  }

  const mMs = best(m, 'wallMs');
  if (mMs !== null) {
    rows.push(['(c) meltano run (whole command)', fmtInt(rate(records, mMs)), fmtSec(mMs), fmtMB(maxRss(m)), `meltano ${m.version ?? ''}`.trim()]);
  } else {
    rows.push(['(c) meltano run', '—', '—', '—', status(m)]);
  }

  if (aMs !== null && bRunMs !== null) {
    const r = aMs / bRunMs; // (b)/(a) in records/s
    rows.push(['(b)/(a) engine ÷ raw pipe', `${r.toFixed(2)}×`, '', '', `goal ≥ ${GOAL.toFixed(2)}: ${r >= GOAL ? 'met' : 'NOT met'}`]);
    // A shared machine's noise shows here: the medians and every run's time.
    rows.push(['(b)/(a) medians', `${(median(a, 'wallMs') / median(b, 'runMs')).toFixed(2)}×`, '', '', `for information; runs (a) ${spread(a, 'wallMs')} s, (b) ${spread(b, 'runMs')} s`]);
    rows.push(['(b)/(a) job record ÷ raw pipe', `${(aMs / bJobMs).toFixed(2)}×`, '', '', 'for information']);
    rows.push(['(b)/(a) whole CLI ÷ raw pipe', `${(aMs / bWallMs).toFixed(2)}×`, '', '', 'for information']);
  } else {
    rows.push(['(b)/(a) engine ÷ raw pipe', '—', '', '', `goal ≥ ${GOAL.toFixed(2)}`]);
  }
  if (mMs !== null && bWallMs !== null) {
    rows.push(['(b)/(c) whole CLI ÷ whole meltano run', `${(mMs / bWallMs).toFixed(2)}×`, '', '', '']);
  } else {
    rows.push(['(b)/(c) whole CLI ÷ whole meltano run', '—', '', '', '']);
  }

  for (const c of contenders) if (c.error) failures.push(`relay ${c.key}: ${c.error}`);

  const notes = [
    `tap:  ${shJoin(tapArgv)}`,
    `sink: ${shJoin(sinkArgv)}`,
    'records/s = records handed to the target ÷ time; best of each; peak RSS polls /proc every 50 ms (the process itself, not the tap or target).',
  ];
  const perSec = (ms) => (ms === null ? null : Math.round(rate(records, ms)));
  const metrics = {
    records,
    rawPipe: { recordsPerSec: perSec(aMs), seconds: aMs === null ? null : aMs / 1000 },
    engine: { recordsPerSec: perSec(bRunMs), seconds: bRunMs === null ? null : bRunMs / 1000, peakRssMB: mb(maxRss(b)) },
    engineJob: { recordsPerSec: perSec(bJobMs), seconds: bJobMs === null ? null : bJobMs / 1000 },
    engineCli: { recordsPerSec: perSec(bWallMs), seconds: bWallMs === null ? null : bWallMs / 1000 },
    meltano: { recordsPerSec: perSec(mMs), seconds: mMs === null ? null : mMs / 1000, peakRssMB: mb(maxRss(m)), version: m.version },
    engineOverRawPipe: aMs !== null && bRunMs !== null ? aMs / bRunMs : null,
    engineOverMeltano: mMs !== null && bWallMs !== null ? mMs / bWallMs : null,
    goal: GOAL,
  };
  return {
    title: `${title}: ${fmtInt(records)} records, 2 streams, best of ${runs}, alternated`,
    metrics,
    columns: ['measure', 'records/s', 'seconds', 'peak RSS MB', 'note'],
    rows,
    notes,
    failures,
  };
}

function mb(kb) {
  return kb === null ? null : Math.round(kb / 1024);
}

function rate(records, ms) {
  return records / (ms / 1000);
}

/** The state line fast_sink echoes, and its read count, checked after a run. */
function checkSink(res, records, what) {
  if (res.code !== 0) {
    throw new Error(`${what} exited ${res.code ?? res.signal}: ${tail(res.stderr + res.stdout, 3)}`);
  }
  const m = /read (\d+) lines/.exec(res.stderr + res.stdout);
  if (m && Number(m[1]) < records) throw new Error(`${what}: the sink read ${m[1]} lines, fewer than ${records} records`);
}

/**
 * `cwd`: where a real target writes its files (the engine runs it in the workspace). `middle`: a
 * program between tap and sink (`cat`: what a process that only copies costs). `cpu` (Linux): the shell
 * reads its own /proc stat with builtins once it has waited for the pipeline (no process more to time),
 * and `cpuMs` is its programs' CPU time.
 */
export function rawPipe(tapArgv, sinkArgv, records, cwd = undefined, { middle = null, key = 'a', cpu = false } = {}) {
  const pipe = [tapArgv, ...(middle ? [middle] : []), sinkArgv].map(shJoin).join(' | ');
  const linux = cpu && process.platform === 'linux';
  const script = linux ? `${pipe}; s=$?; read -r st < /proc/$$/stat; echo "$st" >&2; exit $s` : pipe;
  const what = middle ? `the raw pipe with ${middle[0]} between` : 'the raw pipe';
  return {
    key,
    results: [],
    async setup() {
      return null;
    },
    async measure() {
      const res = await runTimed(['sh', '-c', script], { group: true, cwd });
      checkSink(res, records, what);
      if (!res.stdout.includes('bookmarks')) throw new Error(`${what}: the sink echoed no state`);
      return { wallMs: res.wallMs, rssKB: null, cpuMs: linux ? childrenCpuMs(res.stderr) : null };
    },
    cleanup() {},
  };
}

let clockTicks;
/** The CPU time of the children a shell waited for, from its /proc/<pid>/stat line (cutime + cstime). */
function childrenCpuMs(stderr) {
  const m = /^\d+ \(.*\) (.*)$/m.exec(stderr);
  if (!m) return null;
  const fields = m[1].split(' '); // from field 3 (state): cutime is field 16, cstime 17
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
}

/**
 * The CLI run as users run it: dist/cli.js as a program (its sh line, then the first `node` on PATH).
 * `runtime`: that Node (default: the one running the bench), put first on PATH; `preload`: a module
 * Node loads before the CLI (NODE_OPTIONS=--require); `env`: the environment (default: this one).
 */
export function engine(ctx, tapArgv, sinkArgv, records, preload = null, env = undefined, runtime = process.execPath) {
  const cli = path.join(ctx.root, 'dist/cli.js');
  let ws = null;
  const cliArgv = (...args) => [cli, '--workspace', ws, ...args];
  const base = env ?? process.env;
  const cliEnv = {
    ...base,
    PATH: `${path.dirname(runtime)}${path.delimiter}${base.PATH ?? ''}`,
    ...(preload ? { NODE_OPTIONS: `${base.NODE_OPTIONS ?? ''} --require ${JSON.stringify(preload)}`.trim() } : {}),
  };
  const c = {
    key: 'b',
    results: [],
    async setup() {
      if (!existsSync(cli)) {
        throw new Error('dist/cli.js not found: build it with `npm run build:prod` (`npm run bench` does that first)');
      }
      ws = mkdtempSync(path.join(tmpdir(), 'singer-bench-'));
      ctx.onCleanup(() => c.cleanup());
      const res = await runTimed(cliArgv('add', 'bench', '--tap', shJoin(tapArgv), '--target', shJoin(sinkArgv), '--paused'), { env: cliEnv });
      if (res.code !== 0) {
        throw new Error(`\`singer-replication add\` exited ${res.code ?? res.signal}: ${tail(res.stderr + res.stdout, 3)}`);
      }
      return null;
    },
    async measure() {
      const res = await runTimed(cliArgv('run', 'bench'), { pollRss: true, env: cliEnv });
      if (res.code !== 0) {
        throw new Error(`\`singer-replication run bench\` exited ${res.code ?? res.signal}: ${tail(res.stderr + res.stdout, 3)}`);
      }
      const list = await runTimed(cliArgv('jobs', 'bench', '--json'), { env: cliEnv });
      if (list.code !== 0) throw new Error(`\`singer-replication jobs bench --json\` exited ${list.code}: ${tail(list.stderr, 3)}`);
      let jobs;
      try {
        jobs = JSON.parse(list.stdout);
      } catch (err) {
        throw new Error(`\`jobs --json\` printed no JSON (${err.message}): ${list.stdout.slice(0, 200)}`);
      }
      const job = Array.isArray(jobs) ? jobs[0] : undefined;
      if (!job) throw new Error('`jobs --json` listed no job after `run`');
      if (job.status !== 'Succeeded') throw new Error(`job ${job.id} is ${job.status}: ${job.error ?? ''}`);
      const handed = Object.values(job.records ?? {}).reduce((s, n) => s + n, 0);
      if (handed !== records) throw new Error(`job ${job.id} counted ${handed} records, the tap wrote ${records}`);
      const jobMs = Date.parse(job.endedAt) - Date.parse(job.startedAt);
      if (!(jobMs > 0)) throw new Error(`job ${job.id}: bad startedAt/endedAt ${job.startedAt} / ${job.endedAt}`);
      // The runner logs how long tap and target ran: DESIGN's measure, like `sh -c` for the raw pipe.
      const log = readFileSync(path.join(ws, job.logFile), 'utf8');
      const ran = /runner INFO tap and target ran for ([\d.]+) s/.exec(log);
      if (!ran) throw new Error(`job ${job.id}: its log has no "tap and target ran for … s" line`);
      const phases = /BENCH_PHASES (\{.*\})/.exec(res.stderr);
      // Which relay the job used: the runner chooses it from how the last job's tap wrote (src/core/tapWrites.ts).
      const relay = /runner INFO relaying on a thread/.test(log) ? 'thread' : 'event loop';
      return { runMs: Number(ran[1]) * 1000, jobMs, wallMs: res.wallMs, rssKB: res.peakRssKB, phases: phases ? JSON.parse(phases[1]) : null, relay };
    },
    cleanup() {
      if (ws && !process.env.BENCH_KEEP) rmSync(ws, { recursive: true, force: true });
      ws = process.env.BENCH_KEEP ? ws : null;
    },
  };
  return c;
}

function meltano(ctx, records) {
  const exe = process.env.BENCH_MELTANO || path.join(ctx.root, '.venv-bench/bin/meltano');
  const env = { ...process.env, MELTANO_SEND_ANONYMOUS_USAGE_STATS: 'false', NO_COLOR: '1' };
  let project = null;
  const c = {
    key: 'c',
    results: [],
    version: null,
    async setup() {
      if (!existsSync(exe)) return 'not installed: run scripts/setup-python.sh --meltano';
      project = mkdtempSync(path.join(tmpdir(), 'singer-bench-meltano-'));
      ctx.onCleanup(() => c.cleanup());
      mkdirSync(path.join(project, 'bin'));
      // Executable launchers without a shell: the same interpreter runs the fixture in-process.
      const launcher = (script, extra) =>
        `#!${ctx.python}\nimport runpy, sys\nsys.argv = [${JSON.stringify(script)}, ${extra.map((a) => JSON.stringify(a)).join(', ')}${extra.length ? ', ' : ''}*sys.argv[1:]]\nrunpy.run_path(sys.argv[0], run_name="__main__")\n`;
      const tap = path.join(project, 'bin/tap-fast');
      const sink = path.join(project, 'bin/target-fast');
      writeFileSync(tap, launcher(path.join(ctx.root, 'test/fixtures/bench/fast_tap.py'), ['--records', String(records)]));
      writeFileSync(sink, launcher(path.join(ctx.root, 'test/fixtures/bench/fast_sink.py'), []));
      chmodSync(tap, 0o755);
      chmodSync(sink, 0o755);
      writeFileSync(
        path.join(project, 'meltano.yml'),
        [
          'send_anonymous_usage_stats: false',
          'project_id: 00000000-0000-4000-8000-00000000be0c',
          'default_environment: bench',
          'environments:',
          '- name: bench',
          'plugins:',
          '  extractors:',
          '  - name: tap-fast',
          '    namespace: tap_fast',
          '    executable: bin/tap-fast',
          '  loaders:',
          '  - name: target-fast',
          '    namespace: target_fast',
          '    executable: bin/target-fast',
          '',
        ].join('\n'),
      );
      const ver = await runTimed([exe, '--version'], { cwd: project, env });
      if (ver.code !== 0) throw new Error(`${shQuote(exe)} --version exited ${ver.code}: ${tail(ver.stderr + ver.stdout, 3)}`);
      c.version = /version\s+(\S+)/.exec(ver.stdout)?.[1] ?? null;
      // creates the system database, so the first timed run does not pay for it
      const inst = await runTimed([exe, 'install'], { cwd: project, env });
      if (inst.code !== 0) throw new Error(`meltano install exited ${inst.code}: ${tail(inst.stderr + inst.stdout, 3)}`);
      return null;
    },
    async measure() {
      const res = await runTimed([exe, 'run', 'tap-fast', 'target-fast'], { cwd: project, env, pollRss: true });
      checkSink(res, records, 'meltano run');
      return { wallMs: res.wallMs, rssKB: res.peakRssKB };
    },
    cleanup() {
      if (project && !process.env.BENCH_KEEP) rmSync(project, { recursive: true, force: true });
      project = process.env.BENCH_KEEP ? project : null;
    },
  };
  return c;
}
