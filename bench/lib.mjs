// Helpers shared by the benchmark sections: timed spawns (never through a shell unless the caller
// spawns `sh` itself), peak-RSS polling through /proc, POSIX word quoting, and number formatting.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Children started by the benchmark and still running: pid → { child, group }; see killStarted(). */
const live = new Map();

/**
 * Spawns argv (no shell) and resolves when it has exited and its output is closed.
 * Returns { code, signal, wallMs, peakRssKB, stdout, stderr } where wallMs runs from just before
 * spawn to the 'exit' event, and peakRssKB is the highest VmHWM/VmRSS of that one process seen by
 * polling /proc/PID/status every `pollMs` (null when polling is off or saw nothing).
 * stdout and stderr keep at most `keep` characters each (the tail).
 * With `group`, the child leads a new process group, and killStarted() signals that group (for
 * `sh -c 'tap | sink'`, whose tap and sink are the shell's children).
 */
export function runTimed(argv, { cwd, env, pollRss = false, pollMs = 50, keep = 64 * 1024, group = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
    } catch (err) {
      reject(err);
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout = (stdout + d).slice(-keep); });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr = (stderr + d).slice(-keep); });
    let peak = null;
    let timer = null;
    const poll = () => {
      const kb = readRssKB(child.pid);
      if (kb !== null && (peak === null || kb > peak)) peak = kb;
    };
    if (pollRss && child.pid) {
      poll();
      timer = setInterval(poll, pollMs);
    }
    if (child.pid) live.set(child.pid, { child, group });
    let exited = null;
    child.on('error', (err) => {
      if (timer) clearInterval(timer);
      live.delete(child.pid);
      reject(new Error(`cannot start ${argv[0]}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal, wallMs: Number(process.hrtime.bigint() - t0) / 1e6 };
      if (timer) clearInterval(timer);
      live.delete(child.pid);
    });
    child.on('close', () => {
      if (!exited) return; // 'error' already rejected
      resolve({ ...exited, peakRssKB: peak, stdout, stderr });
    });
  });
}

/**
 * Spawns argv (no shell) for a long-running process the caller watches and stops itself: calls
 * `onLine(line)` for each line of its standard output (stderr keeps its last `keep` characters), and
 * registers it so killStarted() reaches it. Returns { pid, stderr(), exited } where `exited` resolves
 * with { code, signal } once it has exited and its output is closed (rejects when it cannot start).
 */
export function startTracked(argv, { cwd, env, onLine = () => {}, keep = 64 * 1024 } = {}) {
  const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    for (const l of lines) onLine(l);
  });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr = (stderr + d).slice(-keep); });
  if (child.pid) live.set(child.pid, { child, group: false });
  const exited = new Promise((resolve, reject) => {
    let status = null;
    child.on('error', (err) => {
      live.delete(child.pid);
      reject(new Error(`cannot start ${argv[0]}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      status = { code, signal };
      live.delete(child.pid);
    });
    child.on('close', () => {
      if (!status) return; // 'error' already rejected
      if (partial) onLine(partial);
      resolve(status);
    });
  });
  return { pid: child.pid, stderr: () => stderr, exited };
}

/** CPU time (user + system) one process has used itself, in ms, from /proc/PID/stat; null when it cannot be read. */
export function readCpuMs(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // pid (comm) state ppid … : utime and stime are fields 14 and 15, the 12th and 13th after the comm.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks();
}

let ticks = null;
function clockTicks() {
  if (ticks === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    ticks = Number(r.stdout?.trim()) > 0 ? Number(r.stdout.trim()) : 100;
  }
  return ticks;
}

/** The resident set (VmRSS) and its high-water mark (VmHWM) of one process, in KiB; nulls when unreadable. */
export function readMemKB(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rss: null, hwm: null };
  }
  const get = (key) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

/** The larger of VmHWM and VmRSS of one process, in KiB, or null when it cannot be read. */
function readRssKB(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  let best = null;
  for (const key of ['VmHWM', 'VmRSS']) {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    if (m) best = Math.max(best ?? 0, Number(m[1]));
  }
  return best;
}

/**
 * Sends `signal` to each child the benchmark started that is still running, by its pid (or, for a
 * child started with `group`, to the process group it leads).
 */
export function killStarted(signal = 'SIGTERM') {
  for (const [pid, { child, group }] of live) {
    try {
      if (group) process.kill(-pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * The absolute path of the Python interpreter behind `python3` (or $BENCH_PYTHON), so that every
 * column starts the same interpreter directly and none pays for a version-manager shim.
 */
export function resolvePython() {
  const candidate = process.env.BENCH_PYTHON || 'python3';
  const r = spawnSync(candidate, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (r.error || r.status !== 0 || !r.stdout.trim()) {
    throw new Error(`cannot run ${candidate} (set BENCH_PYTHON to a Python 3 interpreter): ${r.error?.message ?? r.stderr.trim()}`);
  }
  return r.stdout.trim();
}

/** Quotes one word so that a POSIX shell (and the CLI's word splitter) reads it back unchanged. */
export function shQuote(word) {
  if (word !== '' && /^[A-Za-z0-9_\/.,:=+@%-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** argv → one command string in POSIX words. */
export function shJoin(argv) {
  return argv.map(shQuote).join(' ');
}

export function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtSec(ms) {
  return (ms / 1000).toFixed(2);
}

export function fmtMB(kb) {
  return kb === null || kb === undefined ? '—' : (kb / 1024).toFixed(0);
}

/** Renders rows (arrays of strings) under a header as an aligned text table. */
export function renderTable(columns, rows) {
  const all = [columns, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r) =>
    r
      .map((c, i) => (i === 0 || !/^[\d.,×x—-]+$/.test(c) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/** The q-quantile (0..1) of numbers by the nearest-rank method, or null when there are none. */
export function quantile(values, q) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The last `n` non-empty lines of a text, for error messages. */
export function tail(text, n = 5) {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-n).join('\n');
}

/**
 * The database as the bench analyses it: db.json with every job of every integration in `jobs`,
 * whether the jobs are in db.json (the first layout) or in one history file per integration.
 */
export function readDatabase(dbFile) {
  const db = JSON.parse(readFileSync(dbFile, 'utf8'));
  if (db.version === 1) return db;
  const jobs = [];
  for (const it of db.integrations) {
    const file = path.join(path.dirname(dbFile), 'history', `${it.name}.json`);
    if (existsSync(file)) jobs.push(...JSON.parse(readFileSync(file, 'utf8')).jobs);
  }
  return { ...db, jobs };
}

/**
 * The machine's CPU counters (Linux /proc/stat, in clock ticks), or null elsewhere: `steal` is time
 * the hypervisor gave other virtual machines, the noise a shared machine adds to every figure.
 */
export function cpuCounters() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), idle: f[3] + (f[4] ?? 0), steal: f[7] ?? 0 };
  } catch {
    return null;
  }
}

/** How noisy the machine was between two cpuCounters() readings, as a note for a section. */
export function noiseNote(before, after) {
  if (!before || !after || after.total <= before.total) return null;
  const total = after.total - before.total;
  const steal = (100 * (after.steal - before.steal)) / total;
  return `machine: ${steal.toFixed(1)} % of CPU time went to other virtual machines during this section (steal)`;
}
