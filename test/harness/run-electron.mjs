// `npm run test:electron`: the same extension-host suite in a desktop VS Code downloaded by
// @vscode/test-electron. It needs internet access (the download comes from Microsoft's update
// service), so it is for developer machines, not CI; offline, use `npm run test:vscode`.
// VSCODE_TEST_VERSION picks the VS Code version (default "stable"; try the engines minimum, 1.100.0).
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO, makeTempDir } from './codeServer.mjs';

const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
if (build.status !== 0) process.exit(2);

const workspace = makeTempDir('singer-electron-ws-');
cpSync(join(REPO, 'test/vscode/workspace'), workspace, { recursive: true });
try {
  await runTests({
    version: process.env.VSCODE_TEST_VERSION || 'stable',
    extensionDevelopmentPath: REPO,
    extensionTestsPath: join(REPO, 'dist-test/vscode/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (err) {
  console.error(`test:electron failed: ${err?.message ?? err}`);
  console.error('(It downloads VS Code first and so needs internet access; offline, run `npm run test:vscode`.)');
  process.exit(1);
}
