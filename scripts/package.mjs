// `npm run package`: production build, then `vsce package` (offline: --no-dependencies, since
// esbuild already bundled every dependency) into singer-replication.vsix at the repo root.
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(repo, 'singer-replication.vsix');
const vsce = join(dirname(createRequire(import.meta.url).resolve('@vscode/vsce/package.json')), 'vsce');

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`package: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const started = Date.now();
// A fresh dist/: a dev build's source maps must not end up in the package.
rmSync(join(repo, 'dist'), { recursive: true, force: true });
run(['esbuild.mjs', '--production'], 'production build');
run([vsce, 'package', '--no-dependencies', '--out', out], 'vsce package');
const kb = (statSync(out).size / 1024).toFixed(1);
console.log(`package: singer-replication.vsix ${kb} KB (${((Date.now() - started) / 1000).toFixed(1)} s)`);
