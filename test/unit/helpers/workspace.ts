/** Real temp workspaces, real fixture programs and the real CLI for the unit tests. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli';
import type { Io } from '../../../src/cli/output';
import type { Database } from '../../../src/core/model';
import { workspacePaths } from '../../../src/core/paths';
import { Store, type Histories } from '../../../src/core/store';

export const REPO = path.resolve(__dirname, '../../..');
export const FIXTURES = path.join(REPO, 'test/fixtures');
export const TAP = `python3 ${path.join(FIXTURES, 'tap_fixture.py')}`;
export const TARGET = `python3 ${path.join(FIXTURES, 'target_fixture.py')}`;
export const CLI_JS = path.join(REPO, 'dist/cli.js');

export interface Workspace {
  dir: string;
  file(rel: string): string;
  writeJson(rel: string, value: unknown): string;
  readLines(rel: string): unknown[];
}

const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function tempWorkspace(): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-test-'));
  made.push(dir);
  return {
    dir,
    file: (rel) => path.join(dir, rel),
    writeJson: (rel, value) => {
      const f = path.join(dir, rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, JSON.stringify(value));
      return f;
    },
    readLines: (rel) => {
      const f = path.join(dir, rel);
      if (!fs.existsSync(f)) return [];
      return fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as unknown);
    },
  };
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process (fast); the same code as dist/cli.js. */
export async function cli(ws: Workspace, ...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  const code = await main(['--workspace', ws.dir, ...args], io);
  return { code, out, err };
}

/** Runs the built CLI as a real process (for signals, SIGKILL and cross-process tests). */
export function cliProcess(ws: Workspace, ...args: string[]): ChildProcess & { output: () => string } {
  requireBuilt();
  const child = spawn(process.execPath, [CLI_JS, '--workspace', ws.dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return Object.assign(child, { output: () => text });
}

export function cliSync(ws: Workspace, ...args: string[]): CliResult {
  requireBuilt();
  const r = spawnSync(process.execPath, [CLI_JS, '--workspace', ws.dir, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function requireBuilt(): void {
  if (!fs.existsSync(CLI_JS)) throw new Error(`${CLI_JS} is missing: run \`npm run build\` first (npm test does).`);
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Whether a process still runs: alive and not a zombie. A process whose parent died is reaped by
 * whatever runs as pid 1, which in a container may take its time; a zombie runs nothing.
 */
export function processRunning(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Adds the usual fixture integration; returns the output file the target writes. */
export async function addFixture(ws: Workspace, name: string, tapConfig: Record<string, unknown>, targetConfig: Record<string, unknown> = {}, ...extra: string[]): Promise<string> {
  const out = ws.file(`${name}-out.jsonl`);
  ws.writeJson(`${name}-tap.json`, tapConfig);
  ws.writeJson(`${name}-target.json`, { path: out, ...targetConfig });
  const r = await cli(ws, 'add', name, '--tap', TAP, '--target', TARGET, '--tap-config', `${name}-tap.json`, '--target-config', `${name}-target.json`, ...extra);
  if (r.code !== 0) throw new Error(`add failed: ${r.err}`);
  return out;
}

export function ids(records: unknown[]): number[] {
  return records.map((r) => (r as { id: number }).id);
}

/**
 * Changes the database as a runner or another version would have left it, through the store (which
 * keeps db.json's summary of each history true), for tests that set up such a state by hand.
 */
export async function editDatabase(ws: Workspace, change: (db: Database, histories: Histories) => void): Promise<void> {
  await new Store(workspacePaths(ws.dir)).update(change);
}
