/**
 * The tap's stdout as a Unix socket read into slab slices (src/core/tapOutput.ts), with real child
 * processes: every byte arrives in order even when the target is slow and reads are queued behind
 * it, back-pressure still pauses the tap, nothing is left in the temporary directory, and a system
 * that cannot make the socket falls back to a plain pipe.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { Redactor, LogWriter } from '../../src/core/logfile';
import { Pipeline } from '../../src/core/pipeline';
import { Relay } from '../../src/core/relay';
import { MAX_READ_BYTES, openTapOutput } from '../../src/core/tapOutput';
import { withTmpdir } from './helpers/tmpdir';

/** A Node "tap": N records with ids and a varying payload, written in 1 MB blocks. */
const TAP_JS = `
const fs = require('node:fs');
const n = Number(process.argv[1]);
let out = '';
for (let i = 0; i < n; i++) {
  out += '{"type": "RECORD", "stream": "s' + (i % 3) + '", "record": {"id": ' + i + ', "pad": "' + 'x'.repeat(i % 97) + '"}}\\n';
  if (out.length > 1 << 20) { fs.writeSync(1, out); out = ''; }
}
fs.writeSync(1, out);
`;

function expected(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `{"type": "RECORD", "stream": "s${i % 3}", "record": {"id": ${i}, "pad": "${'x'.repeat(i % 97)}"}}\n`;
  return s;
}


describe('the tap output socket', function () {
  this.timeout(60_000);

  it('carries every byte in order to a slow target, pauses the tap, and leaves no file behind', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-test-tmp-'));
    const out = await withTmpdir(tmp, () => openTapOutput());
    assert.ok(out, 'the socket was made');
    assert.deepEqual(fs.readdirSync(tmp), [], 'the socket file and its directory are gone once connected');

    const n = 150_000; // ~16 MB: many slabs, reads queued behind a target that takes 1 ms a write
    const tap = spawn(process.execPath, ['-e', TAP_JS, String(n)], { stdio: ['ignore', out.childEnd, 'inherit'] });
    out.release();

    const parts: Buffer[] = [];
    let maxWaiting = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(Buffer.from(chunk)); // a copy: what the target had when the write was made
        setTimeout(cb, 1);
      },
    });
    const relay = new Relay(out.source, sink, { maxBufferedBytes: 1024 * 1024, onProgress: () => (maxWaiting = Math.max(maxWaiting, sink.writableLength)), progressMs: 0 });
    const [result] = await Promise.all([relay.run(), new Promise((r) => tap.on('exit', r))]);
    if (!sink.writableFinished) await new Promise((r) => sink.once('finish', r));

    assert.equal(result.badLine, null);
    assert.equal(result.lines, n);
    assert.deepEqual(result.records, { s0: 50_000, s1: 50_000, s2: 50_000 });
    assert.ok(Buffer.concat(parts).equals(Buffer.from(expected(n))), 'the target got exactly what the tap wrote');
    // The tap is paused after a write passes the limit: one read (at most MAX_READ_BYTES) more may wait.
    assert.ok(maxWaiting <= 1024 * 1024 + MAX_READ_BYTES, `at most 1 MiB and one read waited for the target (saw ${maxWaiting})`);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('with a target that keeps up (reads start over in the same memory), every byte still arrives', async () => {
    const out = await openTapOutput();
    assert.ok(out);
    const n = 150_000;
    const tap = spawn(process.execPath, ['-e', TAP_JS, String(n)], { stdio: ['ignore', out.childEnd, 'inherit'] });
    out.release();
    const hasher = `const h = require('node:crypto').createHash('sha256'); process.stdin.on('data', (d) => h.update(d)); process.stdin.on('end', () => process.stdout.write(h.digest('hex')));`;
    const target = spawn(process.execPath, ['-e', hasher], { stdio: ['pipe', 'pipe', 'inherit'] });
    let digest = '';
    target.stdout!.on('data', (d: Buffer) => (digest += d.toString()));
    const [result] = await Promise.all([
      new Relay(out.source, target.stdin!).run(),
      new Promise((r) => tap.on('exit', r)),
      new Promise((r) => target.on('close', r)),
    ]);
    assert.equal(result.lines, n);
    assert.equal(digest, createHash('sha256').update(expected(n)).digest('hex'));
  });

  it('a tap that writes a line at a time, slowly: reads are paced and start again, and every byte arrives in order', async () => {
    // ~100 B every 20 µs: ~5 KB a millisecond, below the pacing rate, for ~0.1 s.
    const slowTap = `
const fs = require('node:fs');
const n = Number(process.argv[1]);
for (let i = 0; i < n; i++) {
  fs.writeSync(1, '{"type": "RECORD", "stream": "s' + (i % 3) + '", "record": {"id": ' + i + ', "pad": "' + 'x'.repeat(i % 97) + '"}}\\n');
  const until = process.hrtime.bigint() + 20000n;
  while (process.hrtime.bigint() < until);
}
`;
    const out = await openTapOutput();
    assert.ok(out);
    const n = 5000;
    const tap = spawn(process.execPath, ['-e', slowTap, String(n)], { stdio: ['ignore', out.childEnd, 'inherit'] });
    out.release();
    const parts: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(Buffer.from(chunk));
        cb();
      },
    });
    const [result] = await Promise.all([new Relay(out.source, sink).run(), new Promise((r) => tap.on('exit', r))]);
    assert.equal(result.lines, n);
    assert.ok(Buffer.concat(parts).equals(Buffer.from(expected(n))), 'the target got exactly what the tap wrote');
  });

  it('costs little memory before a tap writes much: 100 open outputs hold under 16 MB of buffers', async () => {
    // A scheduler runs hundreds of jobs at once; 4 MiB a job once made V8 carry 2 GB of buffers.
    const before = process.memoryUsage().external;
    const outs = [];
    for (let i = 0; i < 100; i++) {
      const out = await openTapOutput();
      assert.ok(out);
      outs.push(out);
    }
    const held = process.memoryUsage().external - before;
    for (const out of outs) out.destroy();
    assert.ok(held < 16 * 1024 * 1024, `100 outputs hold ${Math.round(held / 1024)} KiB`);
  });

  it('falls back to a plain pipe when no socket can be made, and the job still runs', async () => {
    const missing = path.join(os.tmpdir(), `singer-no-such-dir-${process.pid}`);
    assert.equal(await withTmpdir(missing, () => openTapOutput()), null);
    // A socket path too long for the system: Node would bind it cut short, somewhere else.
    const deep = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-test-deep-'));
    const long = path.join(deep, 'd'.repeat(60), 'e'.repeat(60));
    fs.mkdirSync(long, { recursive: true });
    assert.equal(await withTmpdir(long, () => openTapOutput()), null);
    assert.deepEqual(fs.readdirSync(path.join(deep, 'd'.repeat(60))), ['e'.repeat(60)], 'no socket was bound at a cut-short path');
    fs.rmSync(deep, { recursive: true, force: true });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-test-pipe-'));
    const log = new LogWriter(path.join(dir, 'job.log'), new Redactor([]));
    const target = `let n = 0; process.stdin.on('data', (d) => (n += d.length)); process.stdin.on('end', () => process.stderr.write('got ' + n));`;
    const result = await withTmpdir(missing, async () => {
      const p = new Pipeline({
        tapArgv: [process.execPath, '-e', TAP_JS, '1000'],
        targetArgv: [process.execPath, '-e', target],
        cwd: dir,
        env: process.env,
        log,
        onState: () => undefined,
      });
      return p.done;
    });
    await log.close();
    const text = fs.readFileSync(path.join(dir, 'job.log'), 'utf8');
    assert.equal(result.tapExitCode, 0);
    assert.equal(result.targetExitCode, 0);
    assert.deepEqual(result.records, { s0: 334, s1: 333, s2: 333 });
    assert.match(text, new RegExp(` target INFO got ${Buffer.byteLength(expected(1000))}$`, 'm'));
    assert.ok(result.runMs !== null && result.runMs > 0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
