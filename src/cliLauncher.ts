/**
 * dist/cli.js, the `singer-replication` program: it runs the command line (dist/cli-main.js) from
 * V8's code cache, so a short command does not compile the whole bundle every time. Measured on two
 * shared cores: loading the bundle took ~140 ms of which ~70 ms was compiling it (issue 15: a 10-record
 * `run` is timed against a raw pipe of the same two programs). The cache is made here with vm.Script's
 * cachedData after the command has run, so it holds the functions the command compiled as it ran.
 * Node 22+ has a compile cache of its own (module.enableCompileCache), but it is made as the bundle is
 * compiled, before anything runs, and so holds little: on Node 24 a 10-record `run` spent 67 ms (median
 * of 12) before starting the programs with it, 44 ms with this one. The cache lives in the user's cache
 * folder and is keyed by the runtime and the bundle, so an update never loads a stale one; when it
 * cannot be read or written the command simply runs without it.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { restoreExtraCaCerts } from './cli/extraCaCerts';

// First, before anything reads the environment: the programs the command runs get the variable back.
restoreExtraCaCerts(process.env);

interface Cli {
  main(argv: string[]): Promise<number>;
}

const MAIN = path.join(__dirname, 'cli-main.js');

function cacheDir(): string {
  if (process.env.SINGER_CACHE_DIR) return process.env.SINGER_CACHE_DIR;
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'singer-replication');
}

function load(): Cli {
  try {
    return loadWithCodeCache();
  } catch {
    return loadPlain();
  }
}

function loadPlain(): Cli {
  return Module.createRequire(__filename)(MAIN) as Cli;
}

/** Compiles the bundle with the cached data of an earlier run, and leaves new data for the next. */
function loadWithCodeCache(): Cli {
  const source = fs.readFileSync(MAIN, 'utf8');
  // Named by the runtime and the bundle's size and time, which a stat gives (hashing the bundle took
  // ~30 ms); V8 itself checks the cached data against the source and rejects it when they differ.
  const st = fs.statSync(MAIN);
  const key = `${process.version}-${process.arch}-${st.size}-${Math.round(st.mtimeMs)}`.replace(/[^\w.-]/g, '_');
  const file = path.join(cacheDir(), `cli-${key}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(file);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: MAIN, ...(cachedData ? { cachedData } : {}) });
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  const mod = { exports: {} as Cli, filename: MAIN, id: MAIN, loaded: false };
  wrapper.call(mod.exports, mod.exports, Module.createRequire(MAIN), mod, MAIN, path.dirname(MAIN));
  mod.loaded = true;
  if (!cachedData || script.cachedDataRejected) {
    // After the command: the functions it ran are compiled by then, and go into the cache too.
    process.once('exit', () => {
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, file);
        removeStaleCaches(path.dirname(file), file);
      } catch {
        // a read-only home: the next run compiles again
      }
    });
  }
  return mod.exports;
}

/**
 * Each build (and runtime) has a cache file of its own, ~400 KB: without this, every update would
 * leave the last one behind for good. A cache not used for STALE_CACHE_DAYS is removed when a new one
 * is written; one in use by another install (a second Node, an older extension) is read, so kept.
 */
const STALE_CACHE_DAYS = 30;

function removeStaleCaches(dir: string, keep: string): void {
  const before = Date.now() - STALE_CACHE_DAYS * 24 * 3600 * 1000;
  for (const name of fs.readdirSync(dir)) {
    const f = path.join(dir, name);
    if (f === keep || !/^cli-.*\.v8$/.test(name)) continue;
    try {
      const st = fs.statSync(f);
      if (Math.max(st.atimeMs, st.mtimeMs) < before) fs.rmSync(f, { force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }
}

void load()
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
