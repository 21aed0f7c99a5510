#!/usr/bin/env node
// A prototype, not the product: the relay's loop on a worker thread, written like `cat`'s (docs/relay.md,
// "the whole relay loop on a thread"). The tap's stdout and the target's stdin are FIFOs; a worker reads
// whatever the pipe holds (fs.readSync), checks the whole lines with the product's LineChecker, writes
// them to the target (fs.writeSync) and keeps the unfinished line. The event loop takes no part. It keeps
// none of the relay's other rules (bad line, a target that is gone, Stop Extraction, progress, mappers).
//
//   node bench/prototypes/thread-loop.mjs [--layout NAME]... [--records N] [--runs N]
// times, alternated, the raw pipe, the same with `cat` between tap and sink, this loop (blocking, and
// polling: see relay() below) and `singer-replication run` (build it first: `npm run build:prod`), and
// prints each as the raw pipe's best time ÷ its best. Default: sdk-random-lines, sorted-many-lines and blocks, 1,000,000 records, 3 runs.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '../..');

if (process.argv[2] === '--relay') relay(process.argv.slice(3));
else await compare(process.argv.slice(2));

/**
 * `--relay CHECKER MODE TAP... -- SINK...`: one job through the loop; prints `relay LINES RECORDS` on
 * stderr. MODE `blocking`: the loop's reads and writes block. `polling`: they do not, and the loop waits
 * briefly when a pipe is empty or full (0.05 ms, up to 2 ms once it has stayed so for 20 ms), so that
 * the thread never holds the process's exit (Node waits for its workers as it exits).
 */
function relay([checker, mode, ...rest]) {
  const sep = rest.indexOf('--');
  const [tapArgv, sinkArgv] = [rest.slice(0, sep), rest.slice(sep + 1)];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thread-loop-'));
  spawnSync('mkfifo', ['-m', '600', `${dir}/out`, `${dir}/in`]);
  // The tap's end write-only and the loop's ends blocking: a non-blocking reader first (so opening the
  // writer does not wait), then the writer, then the blocking reader. The same for the target.
  const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
  const first = fs.openSync(`${dir}/out`, O_RDONLY | O_NONBLOCK);
  const tapEnd = fs.openSync(`${dir}/out`, O_WRONLY);
  const polling = mode === 'polling';
  const fromTap = polling ? first : fs.openSync(`${dir}/out`, O_RDONLY);
  if (!polling) fs.closeSync(first);
  const firstIn = fs.openSync(`${dir}/in`, O_RDONLY | O_NONBLOCK);
  const toTarget = fs.openSync(`${dir}/in`, O_WRONLY | (polling ? O_NONBLOCK : 0));
  const targetEnd = fs.openSync(`${dir}/in`, O_RDONLY);
  fs.closeSync(firstIn);
  fs.rmSync(dir, { recursive: true });
  spawn(sinkArgv[0], sinkArgv.slice(1), { stdio: [targetEnd, 'ignore', 'inherit'] });
  fs.closeSync(targetEnd);
  const worker = new Worker(
    `
    const { workerData: { fromTap, toTarget, checker }, parentPort } = require('node:worker_threads');
    const fs = require('node:fs');
    const nap = new Int32Array(new SharedArrayBuffer(4));
    // 0.05 ms while the pipe has been empty or full for under 20 ms (a tap between two blocks, a target
    // draining its pipe); then longer, up to 2 ms, so that an idle tap costs little.
    let since = 0;
    const wait = () => {
      const now = performance.now();
      if (since === 0) since = now;
      Atomics.wait(nap, 0, 0, now - since < 20 ? 0.05 : Math.min(2, (now - since) / 20));
    };
    const read = (buf, at, len) => { for (;;) { try { const n = fs.readSync(fromTap, buf, at, len, null); since = 0; return n; } catch (e) { if (e.code !== 'EAGAIN') throw e; wait(); } } };
    const write = (buf, at, len) => { for (;;) { try { const n = fs.writeSync(toTarget, buf, at, len); since = 0; return n; } catch (e) { if (e.code !== 'EAGAIN') throw e; wait(); } } };
    const lines = new (require(checker).LineChecker)();
    let buf = Buffer.allocUnsafe(1 << 20);
    let used = 0;
    for (;;) {
      if (used === buf.length) { const bigger = Buffer.allocUnsafe(buf.length * 2); buf.copy(bigger, 0, 0, used); buf = bigger; }
      const n = read(buf, used, buf.length - used);
      if (n === 0) break;
      const end = used + n;
      const upto = lines.scan(buf, 0, end);
      if (lines.badLine) break;
      for (let off = 0; off < upto; ) off += write(buf, off, upto - off);
      buf.copy(buf, 0, upto, end);
      used = end - upto;
    }
    parentPort.postMessage({ lines: lines.lines, records: Object.values(lines.records()).reduce((a, b) => a + b, 0), bad: lines.badLine });
    `,
    { eval: true, workerData: { fromTap, toTarget, checker } },
  );
  spawn(tapArgv[0], tapArgv.slice(1), { stdio: ['ignore', tapEnd, 'inherit'] });
  fs.closeSync(tapEnd);
  worker.on('message', (m) => {
    fs.closeSync(fromTap);
    fs.closeSync(toTarget); // the target's input ends
    process.stderr.write(`relay ${m.lines} ${m.records}${m.bad ? ' bad line' : ''}\n`);
  });
}

async function compare(args) {
  const { LAYOUTS, fastTapArgv, fastSinkArgv } = await import('../layouts.mjs');
  const { rawPipe, engine } = await import('../relay.mjs');
  const { runTimed, resolvePython } = await import('../lib.mjs');
  const opts = { layouts: [], records: 1_000_000, runs: 3 };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--layout') opts.layouts.push(args[++i]);
    else if (args[i] === '--records') opts.records = Number(args[++i]);
    else if (args[i] === '--runs') opts.runs = Number(args[++i]);
    else throw new Error(`unknown option ${args[i]}`);
  }
  if (opts.layouts.length === 0) opts.layouts = ['sdk-random-lines', 'sorted-many-lines', 'blocks'];
  // The product's line checker, bundled on its own for the worker.
  const { build } = await import('esbuild');
  const checker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thread-loop-checker-')), 'lineChecker.cjs');
  await build({ entryPoints: [path.join(root, 'src/core/lineChecker.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: checker, logLevel: 'warning' });
  const python = resolvePython();
  const cleanups = [];
  const ctx = { root, onCleanup: (fn) => cleanups.push(fn) };
  for (const layout of opts.layouts) {
    if (!LAYOUTS[layout] || LAYOUTS[layout].library) throw new Error(`${layout}: not a fast_tap.py layout`);
    const tap = fastTapArgv(root, python, layout, opts.records);
    const sink = fastSinkArgv(root, python);
    const loop = (mode) => ({
      results: [],
      async measure() {
        const res = await runTimed([process.execPath, here, '--relay', checker, mode, ...tap, '--', ...sink]);
        const m = /relay (\d+) (\d+)/.exec(res.stderr);
        if (res.code !== 0 || !m || Number(m[2]) !== opts.records) throw new Error(`the thread loop: ${res.stderr.slice(-300)}`);
        return { wallMs: res.wallMs };
      },
    });
    const contenders = {
      raw: rawPipe(tap, sink, opts.records),
      cat: rawPipe(tap, sink, opts.records, undefined, { middle: ['cat'] }),
      thread: loop('blocking'),
      'thread, polling': loop('polling'),
      cli: engine(ctx, tap, sink, opts.records),
    };
    await contenders.cli.setup();
    for (let i = 0; i < opts.runs; i++) for (const c of Object.values(contenders)) c.results.push(await c.measure());
    const best = (c) => Math.min(...c.results.map((r) => r.wallMs));
    const raw = best(contenders.raw);
    console.log(
      `${layout}: ` +
        Object.entries(contenders)
          .map(([k, c]) => `${k} ${(raw / best(c)).toFixed(2)}× (${c.results.map((r) => (r.wallMs / 1000).toFixed(2)).join(' ')} s)`)
          .join(' · '),
    );
    contenders.cli.cleanup();
  }
  for (const fn of cleanups) fn();
  fs.rmSync(path.dirname(checker), { recursive: true, force: true });
}
