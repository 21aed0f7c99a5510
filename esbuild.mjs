// One esbuild context per target: the extension (node/cjs, `vscode` external), the CLI (node/cjs,
// with a shebang), the extension-host test suite, and the webview pages (browser). Type-checking is
// `npm run typecheck`, separately.
import * as esbuild from 'esbuild';
import { chmodSync, readdirSync, existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
};

/**
 * `import * as fs from 'node:fs'` in each of ~30 modules made esbuild copy fs's ~100 exports into a
 * new namespace object in each of them (`__toESM`). Resolved to one shared module that re-exports the
 * builtin, they share one namespace: evaluating the CLI's bundle went from 15-21 to 11-15 ms (Node 24)
 * and from 15-21 to 11-18 ms (Node 20), alternated runs from V8's code cache.
 */
const sharedBuiltins = {
  name: 'shared-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:(fs|path|os)$/ }, (args) =>
      args.namespace === 'shared-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'shared-builtin' },
    );
    build.onLoad({ filter: /.*/, namespace: 'shared-builtin' }, (args) => ({ contents: `export * from '${args.path}';`, loader: 'js' }));
  },
};

/**
 * dist/cli.js is the `singer-replication` program, and both a sh script and JavaScript. Run as a
 * program, sh runs its second line, which sets NODE_EXTRA_CA_CERTS aside so that Node does not read
 * those certificates as it starts (src/cli/extraCaCerts.ts: the same sh, tested against this line),
 * and runs the file with node. Node skips the first line and reads the second as a string and a
 * comment; `node dist/cli.js` runs it the same, without the saving.
 */
const CLI_LAUNCHER = [
  '#!/bin/sh',
  '":" //; [ -z "${NODE_EXTRA_CA_CERTS-}" ] || { export SINGER_REPLICATION_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"',
].join('\n');

/** npm makes a package's programs executable as it installs them; a build in the repository does it here. */
const executable = {
  name: 'executable',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length === 0) chmodSync(build.initialOptions.outfile, 0o755);
    });
  },
};

const webviewEntries = existsSync('src/webview')
  ? readdirSync('src/webview').filter((f) => /^[a-z-]+\.ts$/.test(f) && f !== 'protocol.ts').map((f) => `src/webview/${f}`)
  : [];

// The extension bundle holds the VS Code surfaces only; the engine (zod, lowdb, croner, yaml) is
// dist/core.js, required after activation has returned (src/vscode/core.ts), so activation stays cheap.
const ENGINE_IN_EXTENSION = /node_modules\/(zod|lowdb|croner|yaml|steno)\/|src\/core\/(store|engine|workspace|runner|pipeline|relay|meltano)/;
const keepEngineOut = {
  name: 'keep-engine-out',
  setup(build) {
    build.onEnd((result) => {
      const inputs = Object.keys(result.metafile?.inputs ?? {});
      const leaked = inputs.filter((f) => ENGINE_IN_EXTENSION.test(f));
      if (leaked.length > 0) {
        return { errors: [{ text: `dist/extension.js must not bundle the engine (load it through src/vscode/core.ts): ${leaked.slice(0, 5).join(', ')}` }] };
      }
      return undefined;
    });
  },
};

const configs = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', './core.js'], metafile: true, plugins: [keepEngineOut, sharedBuiltins] },
  { ...node, entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js', plugins: [sharedBuiltins] },
  // The CLI: a small launcher (dist/cli.js) that loads the command line (dist/cli-main.js) from V8's code cache.
  { ...node, entryPoints: ['src/cliLauncher.ts'], outfile: 'dist/cli.js', banner: { js: CLI_LAUNCHER }, sourcemap: false, plugins: [executable] },
  { ...node, entryPoints: ['src/cli.ts'], outfile: 'dist/cli-main.js', plugins: [sharedBuiltins] },
  // The relay's thread (src/core/threadRelay.ts): beside dist/core.js and dist/cli-main.js, which start it.
  { ...node, entryPoints: ['src/core/relayWorker.ts'], outfile: 'dist/relay-worker.js', plugins: [sharedBuiltins] },
  // The extension-host suite: loaded by VS Code from dist-test/, never packaged.
  {
    ...node,
    minify: false,
    sourcemap: 'inline',
    entryPoints: ['test/vscode/index.ts'],
    outfile: 'dist-test/vscode/index.js',
    external: ['vscode', 'mocha'],
  },
];
if (webviewEntries.length > 0) {
  configs.push({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    // The codicon font, imported by a page's CSS, lands beside it.
    loader: { '.ttf': 'file' },
  });
}

const contexts = await Promise.all(configs.filter((c) => c.entryPoints.every((e) => existsSync(e))).map((c) => esbuild.context(c)));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
