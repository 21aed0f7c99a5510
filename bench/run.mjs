#!/usr/bin/env node
// `npm run bench`: builds (npm script), then runs each benchmark section and prints one table per
// section. A section is a module in bench/ exporting `name`, `title` and
// `async run(ctx) → { title, columns, rows, notes, failures, metrics? }`; add new ones to SECTIONS below.
// Sections: relay (throughput against a raw pipe), scheduler (500 integrations), editor (the extension
// in a real VS Code: bundle size, activation, event-loop delay and throughput during a job).
//
// Options:
//   --records N     records per relay run (default 1,000,000; env BENCH_RECORDS)
//   --runs N        runs per contender, best one kept (default 3; env BENCH_RUNS)
//   --only NAME     run only this section (repeatable)
//   --layout NAME   layouts: only this tap layout (repeatable; default all: blocks, interleaved,
//                   compact, many, sorted, sorted-compact, sorted-many, sdk-random, the last two
//                   written a line at a time: sdk-random-lines, sorted-many-lines, and singer-sdk
//                   and singer-python: taps written on those libraries from PyPI, at a twentieth
//                   and a tenth of --records)
//   --integrations N      scheduler: integrations in the workspace (default 500)
//   --rounds N            scheduler: recurrences watched after the first jobs (default 2)
//   --frequency-seconds S scheduler: their frequency (default 60)
//   --idle-seconds S      scheduler: the idle window whose CPU time is measured (default 60)
//   --fixtures sh|node    scheduler: instant tap and target in POSIX sh (default) or Node
//   --json          print the results as JSON instead of tables
// Environment: BENCH_PYTHON (interpreter for the fixtures, default python3), BENCH_MELTANO
// (default .venv-bench/bin/meltano), BENCH_KEEP=1 keeps the temporary workspaces.
// Exit code: 0, or 1 when a section reported a failure, 2 on bad options.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable, resolvePython, killStarted, cpuCounters, noiseNote } from './lib.mjs';
import * as relay from './relay.mjs';
import * as scheduler from './scheduler.mjs';
import * as editor from './editor.mjs';
import * as layouts from './layouts.mjs';
import * as history from './history.mjs';

const SECTIONS = [relay, layouts, history, scheduler, editor];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function usage(msg) {
  if (msg) console.error(`bench: ${msg}`);
  console.error('usage: node bench/run.mjs [--records N] [--runs N] [--only relay|layouts|history|scheduler|editor]... [--layout NAME]... [--json]');
  console.error('       scheduler: [--integrations N] [--rounds N] [--frequency-seconds S] [--idle-seconds S] [--fixtures sh|node]');
  console.error(`sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

function positiveInt(value, what) {
  const s = String(value ?? '').replace(/[_,]/g, '');
  if (!/^\d+$/.test(s) || Number(s) < 1) usage(`${what} must be a positive integer, got "${value}"`);
  return Number(s);
}

const opts = {
  records: positiveInt(process.env.BENCH_RECORDS ?? '1000000', 'BENCH_RECORDS'),
  runs: positiveInt(process.env.BENCH_RUNS ?? '3', 'BENCH_RUNS'),
  only: [],
  layouts: [],
  json: false,
  integrations: 500,
  rounds: 2,
  frequencySeconds: 60,
  idleSeconds: 60,
  fixtures: 'sh',
};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => (i + 1 < args.length ? args[++i] : usage(`${a} needs a value`));
  if (a === '--records') opts.records = positiveInt(value(), '--records');
  else if (a.startsWith('--records=')) opts.records = positiveInt(a.slice(10), '--records');
  else if (a === '--runs') opts.runs = positiveInt(value(), '--runs');
  else if (a.startsWith('--runs=')) opts.runs = positiveInt(a.slice(7), '--runs');
  else if (a === '--integrations') opts.integrations = positiveInt(value(), '--integrations');
  else if (a === '--rounds') opts.rounds = positiveInt(value(), '--rounds');
  else if (a === '--frequency-seconds') opts.frequencySeconds = positiveInt(value(), '--frequency-seconds');
  else if (a === '--idle-seconds') opts.idleSeconds = positiveInt(value(), '--idle-seconds');
  else if (a === '--fixtures') {
    opts.fixtures = value();
    if (!['sh', 'node'].includes(opts.fixtures)) usage(`--fixtures is sh or node, not "${opts.fixtures}"`);
  } else if (a === '--only') opts.only.push(value());
  else if (a === '--layout') opts.layouts.push(value());
  else if (a === '--json') opts.json = true;
  else if (a === '-h' || a === '--help') usage();
  else usage(`unknown option ${a}`);
}
for (const n of opts.only) if (!SECTIONS.some((s) => s.name === n)) usage(`no section named "${n}"`);
for (const l of opts.layouts) if (!(l in layouts.LAYOUTS)) usage(`no layout named "${l}"; one of ${Object.keys(layouts.LAYOUTS).join(', ')}`);

const cleanups = [];
function cleanupAll() {
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch {
      // best effort: temporary directories only
    }
  }
}
// First signal: stop measuring, SIGTERM the processes the benchmark started (by pid), let them end
// and clean up; a second signal: SIGKILL them and leave at once.
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (stopping) {
      killStarted('SIGKILL');
      cleanupAll();
      process.exit(130);
    }
    stopping = true;
    console.error(`\nbench: ${sig}: stopping the processes it started (again to kill them)`);
    killStarted('SIGTERM');
  });
}

let python;
try {
  python = resolvePython();
} catch (err) {
  console.error(`bench: ${err.message}`);
  process.exit(2);
}

const ctx = {
  root,
  records: opts.records,
  runs: opts.runs,
  python,
  integrations: opts.integrations,
  rounds: opts.rounds,
  frequencySeconds: opts.frequencySeconds,
  idleSeconds: opts.idleSeconds,
  fixtures: opts.fixtures,
  layouts: opts.layouts,
  progress: (msg) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${msg}`);
  },
  onCleanup: (fn) => cleanups.push(fn),
  stopped: () => stopping,
};

const results = [];
let failed = false;
for (const section of SECTIONS) {
  if (opts.only.length && !opts.only.includes(section.name)) continue;
  if (stopping) break;
  let res;
  const before = cpuCounters();
  try {
    res = await section.run(ctx);
  } catch (err) {
    res = { title: section.title, columns: [], rows: [], notes: [], failures: [`${section.name}: ${err.stack ?? err}`] };
  }
  ctx.progress('');
  const noise = noiseNote(before, cpuCounters());
  if (noise) res.notes.push(noise);
  results.push({ section: section.name, ...res });
  if (res.failures.length) failed = true;
  if (!opts.json) {
    console.log(`\n${res.title}\n`);
    if (res.rows.length) console.log(renderTable(res.columns, res.rows));
    for (const n of res.notes) console.log(`  ${n}`);
    for (const f of res.failures) console.log(`  FAILED ${f}`);
  }
}
cleanupAll();
if (stopping) {
  console.error('bench: interrupted');
  process.exit(130);
}
if (opts.json) console.log(JSON.stringify({ records: opts.records, runs: opts.runs, python, results }, null, 2));
else console.log('');
if (failed) console.error('bench: some measurements failed (see FAILED above)');
// The VS Code harness leaves handles (its exit hooks, playwright's) that would keep us waiting.
process.exit(failed ? 1 : 0);
