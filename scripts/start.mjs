// `npm start`: builds and packages the extension, installs it into a private code-server (state kept
// in .vscode-test/start/), opens demo/ and prints the URL to open in a browser. Stays in the
// foreground; Ctrl-C stops code-server and everything it started (its whole process group).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, ensureInstalled, installExtension, startCodeServer } from '../test/harness/codeServer.mjs';

const DEMO = join(REPO, 'demo');
const ROOT = join(REPO, '.vscode-test/start');

function run(args, what, { mustSucceed = true } = {}) {
  const r = spawnSync(process.execPath, args, { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0 && mustSucceed) {
    console.error(`start: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  return r.status === 0;
}

run(['scripts/package.mjs'], 'build and package');
createDemoIntegration();
ensureInstalled();

// A fresh extensions folder each time, so the just-packaged .vsix is the one that loads.
const extensionsDir = join(ROOT, 'extensions');
rmSync(extensionsDir, { recursive: true, force: true });
mkdirSync(extensionsDir, { recursive: true });
installExtension(join(REPO, 'singer-replication.vsix'), { extensionsDir, root: ROOT });

const port = process.env.PORT ? Number(process.env.PORT) : undefined;
const server = await startCodeServer({ folder: DEMO, extensionsDir, root: ROOT, port });
console.log(`\nSinger Replication demo is running (code-server log: ${server.logFile}).`);
console.log(`Open ${server.folderUrl()}\nPress Ctrl-C to stop.\n`);
// The signal handlers of the harness stop code-server on Ctrl-C; if it ends by itself, so do we.
const { code, signal } = await server.whenExited;
await server.stop();
console.error(`start: code-server exited (${code ?? signal})`);
process.exit(code === 0 ? 0 : 1);

// The demo integration comes from the CLI, as a user would create it; the window's scheduler then
// runs its first job as soon as the window opens (rule 2), and every hour after that.
function createDemoIntegration() {
  if (existsSync(join(DEMO, '.singer/db.json'))) return;
  const cli = join(REPO, 'dist/cli.js');
  if (!existsSync(cli)) {
    console.warn('start: dist/cli.js is not built yet; the demo starts without an integration');
    return;
  }
  const args = [cli, '--workspace', 'demo', 'add', 'demo', '--tap', 'python3 tap_demo.py', '--target', 'python3 target_demo.py',
    '--tap-config', 'tap-config.json', '--target-config', 'target-config.json', '--frequency', '1h'];
  if (!run(args, 'creating the demo integration', { mustSucceed: false })) {
    console.warn('start: could not create the demo integration with the CLI; continuing without it (Create Integration in the view makes one)');
  }
}
