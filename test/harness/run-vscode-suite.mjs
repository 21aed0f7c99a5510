// `npm run test:vscode`: runs the extension-host suite (test/vscode/) inside a real VS Code —
// code-server with the smoke-test driver enabled, opened by headless chromium — and exits with the
// suite's result. The suite's mocha output reaches us through the page's codeAutomationLog hook.
// Three windows, one after the other (SINGER_SUITE tells the suite which files to run): a trusted
// folder, the same in Restricted Mode (Workspace Trust on, folder not trusted), and a workspace of
// two folders.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { REPO, launchChromium, makeTempDir, startCodeServer } from './codeServer.mjs';

const TIMEOUT_MS = Number(process.env.SINGER_VSCODE_TEST_TIMEOUT_MS) || 240_000;
const verbose = process.argv.includes('--verbose') || process.env.SINGER_VSCODE_TEST_VERBOSE === '1';
const only = process.argv.find((a) => a.startsWith('--suite='))?.slice('--suite='.length);

// Workbench chatter that says nothing about the suite (matched against a whole message, stack
// included); shown only with --verbose. Everything else, the suite's mocha output included, is printed.
const NOISE = [
  /^\[(driver|reconnection-grace-time|Service Worker|AgentHost|AccountPolicyGate)[\]:]/,
  /^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin extensions)/,
  /ENOTFOUND|getaddrinfo|extension gallery|marketplace/i, // offline: the gallery lookup fails
  /vsda/,
  /authentication provider '\w+' to register/, // the built-in GitHub auth is not loaded under test
  /404 \(Not Found\)/,
];

const PASSES = [
  { suite: 'trusted', open: (server, ws, payload) => server.folderUrl(payload, ws) },
  { suite: 'untrusted', trust: true, open: (server, ws, payload) => server.folderUrl(payload, ws) },
  {
    suite: 'multiroot',
    open: (server, ws, payload) => {
      for (const name of ['first', 'second']) mkdirSync(join(ws, name), { recursive: true });
      const file = join(ws, 'two.code-workspace');
      writeFileSync(file, JSON.stringify({ folders: [{ path: 'first' }, { path: 'second' }], settings: {} }));
      return server.workspaceUrl(file, payload);
    },
  },
];

async function main() {
  const started = Date.now();
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) return fail('build failed', 2);
  let failed = 0;
  for (const pass of PASSES.filter((p) => !only || p.suite === only)) {
    const code = await runPass(pass);
    if (code !== 0) failed++;
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`extension-host suite ${failed === 0 ? 'passed' : 'FAILED'} in ${secs} s`);
  // The plain closing line CI reads, whatever the runner.
  console.log(`\nvscode: ${counts.passing} passed, ${counts.failing} failed`);
  return failed === 0 && counts.passing > 0 ? 0 : 1;
}

async function runPass(pass) {
  console.log(`\n== extension-host suite: ${pass.suite} ==`);
  const workspace = makeTempDir('singer-vscode-ws-');
  cpSync(join(REPO, 'test/vscode/workspace'), workspace, { recursive: true });
  // --vscode-option enable-smoke-test-driver: without it the workbench ignores the development
  // options in the payload and no test ever runs.
  const server = await startCodeServer({
    folder: workspace,
    extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
    trust: pass.trust ?? false,
    env: { SINGER_SUITE: pass.suite },
  });
  const remote = (path) => `vscode-remote://127.0.0.1:${server.port}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(REPO)],
    ['extensionTestsPath', remote(join(REPO, 'dist-test/vscode/index.js'))],
    ['skipWelcome', 'true'],
  ];
  const browser = await launchChromium();
  let timer;
  try {
    const page = await browser.newPage();
    let settle;
    const exit = new Promise((resolve) => (settle = resolve));
    timer = setTimeout(() => settle('timeout'), TIMEOUT_MS);
    await page.exposeFunction('codeAutomationExit', (code) => settle(Number(code)));
    await page.exposeFunction('codeAutomationLog', (type, args) => printLog(type, args));
    await page.goto(pass.open(server, workspace, payload));
    const code = await exit;
    if (code === 'timeout') {
      const log = readFileSync(server.logFile, 'utf8').split('\n').slice(-20).join('\n');
      counts.failing++;
      console.error(`test:vscode: the ${pass.suite} pass timed out after ${TIMEOUT_MS / 1000} s: VS Code never reported its end (codeAutomationExit). Rerun with --verbose for the workbench log. code-server said:\n${log}`);
      return 3;
    }
    return code;
  } finally {
    clearTimeout(timer);
    await browser.close().catch(() => {});
    await server.stop();
  }
}

// `args` is a printf-style argument array, as the extension host's console.log received it.
const counts = { passing: 0, failing: 0 };
function printLog(type, args) {
  const text = format(...(Array.isArray(args) ? args : [args]));
  const m = /^\s*(\d+) (passing|failing)\b/.exec(text);
  if (m) counts[m[2]] += Number(m[1]);
  if (!verbose && NOISE.some((re) => re.test(text))) return;
  if (type === 'error') console.error(text);
  else console.log(text);
}

function fail(message, code) {
  console.error(`test:vscode: ${message}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`test:vscode: ${err.stack ?? err}`);
    process.exit(1);
  },
);
