/**
 * Meltano for the interop tests: the `meltano` that scripts/setup-python.sh installs from PyPI into
 * .venv-test/, run offline (no telemetry, no version check, no auto-install, and a hub URL that is a
 * closed local port unless a test serves a hub of its own on 127.0.0.1), and the fixture programs
 * under the names a tap developer's programs have.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES, REPO, type Workspace } from './workspace';

export const MELTANO = path.join(REPO, '.venv-test/bin/meltano');

export function requireMeltano(): void {
  if (!fs.existsSync(MELTANO)) {
    throw new Error(`${MELTANO} is missing: run \`bash scripts/setup-python.sh\` (npm test runs it) to install meltano from PyPI.`);
  }
}

/** Meltano's user cache (its hub index) goes to a temp folder, not the user's home. */
const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-meltano-cache-'));
after(() => fs.rmSync(cacheHome, { recursive: true, force: true }));

export function offlineEnv(hubUrl = 'http://127.0.0.1:9'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?|all)_proxy$/i.test(k)) delete env[k];
  return {
    ...env,
    MELTANO_SEND_ANONYMOUS_USAGE_STATS: 'false',
    MELTANO_DISABLE_TRACKING: 'true',
    MELTANO_CLI_DISABLE_VERSION_CHECK: 'true',
    MELTANO_AUTO_INSTALL: 'false',
    MELTANO_HUB_URL: hubUrl,
    MELTANO_CLI_LOG_FORMAT: 'uncolored',
    NO_COLOR: '1',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    XDG_CACHE_HOME: cacheHome,
  };
}

/** Runs meltano and returns its stdout, failing the test unless it exits 0 (blocks this process: no local hub). */
export function meltano(cwd: string, args: string[], input?: string): string {
  const r = spawnSync(MELTANO, args, { cwd, env: offlineEnv(), input: input ?? '', encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `meltano ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export interface MeltanoResult {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs meltano without blocking this process (a test's hub answers from it meanwhile). `expectOk`
 * fails the test with meltano's output when it does not exit 0.
 */
export function meltanoRun(cwd: string, args: string[], o: { input?: string; hubUrl?: string; env?: NodeJS.ProcessEnv; expectOk?: boolean } = {}): Promise<MeltanoResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(MELTANO, args, { cwd, env: { ...offlineEnv(o.hubUrl), ...(o.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end(o.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (o.expectOk !== false && code !== 0) reject(new assert.AssertionError({ message: `meltano ${args.join(' ')} exited ${code}:\n${out}\n${err}` }));
      else resolve({ code, out, err });
    });
  });
}

/** A bin folder with the fixture tap, target and mapper under the names given (program name -> fixture file). */
export function fixtureBin(ws: Workspace, names: Record<string, 'tap_fixture.py' | 'target_fixture.py' | 'mapper_fixture.py'> = {}): string {
  const bin = ws.file('bin');
  fs.mkdirSync(bin, { recursive: true });
  const all = { 'tap-fixture': 'tap_fixture.py', 'target-fixture': 'target_fixture.py', 'mapper-fixture': 'mapper_fixture.py', ...names } as const;
  for (const [name, file] of Object.entries(all)) fs.symlinkSync(path.join(FIXTURES, file), path.join(bin, name));
  return bin;
}

/** PATH with the fixture bin first, for the engine's jobs (run in this process) and meltano's. */
export function withPath(bin: string): () => void {
  const before = process.env.PATH;
  process.env.PATH = `${bin}${path.delimiter}${before ?? ''}`;
  return () => {
    process.env.PATH = before;
  };
}

/**
 * A Meltano hub of plugin definitions on 127.0.0.1 (Meltano's API: an index per plugin type, one
 * definition per variant), so `meltano run` resolves a plugin that has no lock file without the network.
 */
export async function localHub(definitions: Record<string, Array<Record<string, unknown> & { name: string; variant: string }>>): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const prefix = '/meltano/api/v1/plugins/';
    const rest = (req.url ?? '').startsWith(prefix) ? (req.url ?? '').slice(prefix.length) : '';
    const [type, what] = rest.split('/') as [string, string | undefined];
    const defs = definitions[type] ?? [];
    let body: unknown;
    if (what === 'index') {
      body = Object.fromEntries(defs.map((d) => [d.name, { logo_url: null, default_variant: d.variant, variants: { [d.variant]: { ref: `${base}${prefix}${type}/${d.name}--${d.variant}` } } }]));
    } else {
      body = defs.find((d) => `${d.name}--${d.variant}` === what);
    }
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url: base, requests, close: () => new Promise((r) => server.close(() => r())) };
}

/** The JSON lines a fixture target wrote, then the file removed (so the next run starts empty). */
export function takeLines(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  const rows = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  fs.rmSync(file);
  return rows;
}
