/** dist/cli.js loads the command line from V8's code cache (issue 15: a short command's own cost). */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI_JS, tempWorkspace } from './helpers/workspace';

function run(cacheDir: string, ws: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI_JS, '--workspace', ws, ...args], { encoding: 'utf8', env: { ...process.env, SINGER_CACHE_DIR: cacheDir } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the singer-replication launcher', () => {
  it('leaves a code cache after the first command, uses it after, and shrugs off a broken or unwritable one', () => {
    const ws = tempWorkspace();
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-cache-'));
    try {
      const first = run(cache, ws.dir, 'list', '--json');
      assert.equal(first.code, 0, first.err);
      assert.equal(first.out.trim(), '[]');
      const files = fs.readdirSync(cache);
      assert.equal(files.length, 1, `one cache file expected, found ${files.join(', ')}`);
      assert.match(files[0]!, /^cli-v\d[\w.-]*\.v8$/);
      const written = fs.statSync(path.join(cache, files[0]!)).mtimeMs;
      assert.equal(run(cache, ws.dir, 'list', '--json').code, 0);
      assert.equal(fs.statSync(path.join(cache, files[0]!)).mtimeMs, written, 'a cache that was used is not written again');
      // A cache from somewhere else (or cut short) is rejected by V8, and replaced.
      fs.writeFileSync(path.join(cache, files[0]!), 'not a code cache');
      const again = run(cache, ws.dir, 'list', '--json');
      assert.equal(again.code, 0, again.err);
      assert.notEqual(fs.readFileSync(path.join(cache, files[0]!), 'utf8'), 'not a code cache');
      // A cache of an earlier build not used for 30 days goes when a new cache is written; others stay.
      const stale = path.join(cache, 'cli-v0.0.0-x64-1-1.v8');
      const recent = path.join(cache, 'cli-v0.0.0-x64-2-2.v8');
      const notOurs = path.join(cache, 'notes.txt');
      const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
      for (const f of [stale, recent, notOurs]) fs.writeFileSync(f, 'x');
      for (const f of [stale, notOurs]) fs.utimesSync(f, old, old);
      for (const f of fs.readdirSync(cache)) if (/^cli-v\d+\.\d+\.\d+-\w+-\d{3,}/.test(f)) fs.rmSync(path.join(cache, f)); // this build's: made again
      assert.equal(run(cache, ws.dir, 'list', '--json').code, 0);
      assert.ok(!fs.existsSync(stale), 'a cache unused for 40 days was kept');
      assert.ok(fs.existsSync(recent), 'a cache in use was removed');
      assert.ok(fs.existsSync(notOurs), 'a file that is not a cache was removed');
      // A cache folder that cannot be made: the command runs all the same.
      const blocked = path.join(cache, 'file-in-the-way');
      fs.writeFileSync(blocked, '');
      const r = run(path.join(blocked, 'sub'), ws.dir, 'list', '--json');
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
