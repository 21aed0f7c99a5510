/**
 * The relay on a thread (threadRelay.ts, fifoPipes.ts) in real pipelines: real child processes, real
 * named pipes, a real worker thread. Every rule of the event loop's relay holds: every byte in order,
 * back-pressure, a bad line, a target that is gone, a stop that cuts a line, and the job records how
 * its tap wrote.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogWriter, Redactor } from '../../src/core/logfile';
import { Pipeline, type PipelineResult, type PipelineSpec } from '../../src/core/pipeline';
import { fastLineTap } from '../../src/core/tapWrites';
import { withTmpdir } from './helpers/tmpdir';

/**
 * A tap writing one line per system call, as singer-python and singer-sdk do: `N [bad|half]`. `bad`
 * writes a line that is not JSON after the N records and goes on writing; `half` writes half a line
 * and waits to be stopped. It says on stderr when it has written its N records.
 */
const LINE_TAP_JS = `
const fs = require('node:fs');
const [n, mode] = [Number(process.argv[1]), process.argv[2] || ''];
for (let i = 0; i < n; i++) fs.writeSync(1, '{"type": "RECORD", "stream": "s' + (i % 3) + '", "record": {"id": ' + i + '}}\\n');
process.stderr.write('wrote ' + n + ' at ' + Date.now() + '\\n');
if (mode === 'bad') {
  fs.writeSync(1, 'not json\\n');
  setInterval(() => fs.writeSync(1, '{"type": "RECORD", "stream": "late", "record": {}}\\n'), 1);
}
if (mode === 'half') {
  fs.writeSync(1, '{"type": "RECORD", "stre');
  setInterval(() => undefined, 1000);
}
`;

/**
 * A target that waits `DELAY` ms before it reads, then says on stderr how many bytes it got and their
 * hash; `quit` exits at its first read, `quit-at-end` at once when its input ends.
 */
const TARGET_JS = `
const h = require('node:crypto').createHash('sha256');
let n = 0;
const [delay, mode] = [Number(process.argv[1] || 0), process.argv[2] || ''];
setTimeout(() => {
  process.stderr.write('reading at ' + Date.now() + '\\n');
  process.stdin.on('data', (d) => { if (mode === 'quit') process.exit(0); n += d.length; h.update(d); });
  process.stdin.on('end', () => { process.stderr.write('got ' + n + ' ' + h.digest('hex') + '\\n'); if (mode === 'quit-at-end') process.exit(0); });
}, delay);
`;

const line = (i: number): string => `{"type": "RECORD", "stream": "s${i % 3}", "record": {"id": ${i}}}\n`;
const lines = (n: number): string => Array.from({ length: n }, (_, i) => line(i)).join('');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

interface Ran {
  result: PipelineResult;
  log: string;
  pipeline: Pipeline;
}

const JOBS = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-test-thread-'));
after(() => fs.rmSync(JOBS, { recursive: true, force: true }));

async function run(tapArgs: string[], targetArgs: string[] = [], spec: Partial<PipelineSpec> = {}, during?: (p: Pipeline) => void): Promise<Ran> {
  const dir = fs.mkdtempSync(path.join(JOBS, 'job-'));
  const log = new LogWriter(path.join(dir, 'job.log'), new Redactor([]));
  const pipeline = new Pipeline({
    tapArgv: [process.execPath, '-e', LINE_TAP_JS, ...tapArgs],
    targetArgv: [process.execPath, '-e', TARGET_JS, ...targetArgs],
    cwd: dir,
    env: process.env,
    log,
    onState: () => undefined,
    relayOnThread: true,
    ...spec,
  });
  during?.(pipeline);
  const result = await pipeline.done;
  await log.close();
  const text = fs.readFileSync(path.join(dir, 'job.log'), 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return { result, log: text, pipeline };
}

const stamp = (log: string, what: RegExp): number => Number(what.exec(log)?.[1]);

describe('the relay on a thread, in real pipelines', function () {
  this.timeout(60_000);

  it('relays a line-at-a-time tap: every byte in order, counted, and the job says how the tap wrote', async () => {
    const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('singer-relay-')).length;
    const progress: number[] = [];
    const { result, log } = await run(['30000'], [], { onProgress: (r) => progress.push(Object.values(r).reduce((a, b) => a + b, 0)) });
    assert.match(log, /runner INFO relaying on a thread: the last job's tap wrote its lines one at a time, fast/);
    assert.equal(result.tapExitCode, 0);
    assert.equal(result.targetExitCode, 0);
    assert.deepEqual(result.records, { s0: 10_000, s1: 10_000, s2: 10_000 });
    const expected = lines(30_000);
    assert.match(log, new RegExp(`target INFO got ${Buffer.byteLength(expected)} ${sha(expected)}$`, 'm'));
    assert.equal(progress.at(-1), 30_000, 'the final counts are reported');
    assert.equal(result.tapWrites?.relay, 'thread');
    assert.equal(result.tapWrites?.bytes, Buffer.byteLength(expected));
    assert.ok(result.tapWrites!.reads > 0 && result.tapWrites!.smallReads <= result.tapWrites!.reads);
    assert.equal(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('singer-relay-')).length, before, 'the named pipes are not left behind');
  });

  it('applies back-pressure: a target that does not read holds the tap, and nothing is lost', async () => {
    const { result, log } = await run(['60000'], ['1500']);
    const wrote = stamp(log, /tap INFO wrote 60000 at (\d+)/);
    const reading = stamp(log, /target INFO reading at (\d+)/);
    assert.ok(wrote >= reading, `the tap finished ${reading - wrote} ms before the target read anything`);
    const expected = lines(60_000);
    assert.match(log, new RegExp(`target INFO got ${Buffer.byteLength(expected)} ${sha(expected)}$`, 'm'));
    assert.equal(result.targetExitCode, 0);
  });

  it('a bad line: the target gets every line before it, its input ends, the tap is stopped at once', async () => {
    const started = Date.now();
    const { result, log } = await run(['500', 'bad']);
    assert.equal(result.badLine?.lineNumber, 501);
    assert.deepEqual(result.records, { s0: 167, s1: 167, s2: 166 });
    const expected = lines(500);
    assert.match(log, new RegExp(`target INFO got ${Buffer.byteLength(expected)} ${sha(expected)}$`, 'm'));
    assert.match(log, /tap output line 501 is not a Singer message/);
    assert.notEqual(result.tapExitCode, 0, 'the tap, which would write forever, was stopped');
    assert.ok(Date.now() - started < 4000, 'within the stop, not the 5 s grace');
  });

  it('a target that exits early: the tap is drained or stopped, the job ends and says the target ended first', async () => {
    const { result } = await run(['200000'], ['0', 'quit']);
    assert.equal(result.targetExitCode, 0);
    assert.equal(result.targetEndedFirst, true);
  });

  it('Stop Extraction cutting a line: the target gets every whole line, the half line is dropped and logged', async () => {
    const { result, log } = await run(['300', 'half'], [], {}, (p) => {
      setTimeout(() => p.stop(2000), 700);
    });
    assert.equal(result.stopped, true);
    assert.equal(result.badLine, null);
    assert.deepEqual(result.records, { s0: 100, s1: 100, s2: 100 });
    assert.match(log, /dropped the tap's unfinished last line \(24 bytes, cut off by the stop\)/);
    const expected = lines(300);
    assert.match(log, new RegExp(`target INFO got ${Buffer.byteLength(expected)} ${sha(expected)}$`, 'm'));
  });

  it('a target that exits as soon as its input ends did not end first: the thread tells it before the target can know', async () => {
    // The main thread may get the target's exit before the thread's own news (seen in the editor).
    for (let i = 0; i < 15; i++) {
      const { result, log } = await run(['200'], ['0', 'quit-at-end']);
      assert.equal(result.targetEndedFirst, false, log);
      assert.deepEqual(result.records, { s0: 67, s1: 67, s2: 66 });
    }
  });

  it('a job with mapper stages relays on the event loop, and says why', async () => {
    const mapper = { name: 'cat', argv: [process.execPath, '-e', 'process.stdin.pipe(process.stdout)'] };
    const { result, log } = await run(['100'], [], { mappers: [mapper] });
    assert.match(log, /relaying on the event loop: the job has mapper stages/);
    assert.deepEqual(result.records, { s0: 34, s1: 33, s2: 33 });
    assert.equal(result.tapWrites, null, 'the mappers read the tap: how it wrote is not known');
  });

  it('without named pipes (a temporary folder that takes none) it relays on the event loop, and the job runs', async () => {
    const { result, log } = await withTmpdir(path.join(os.tmpdir(), `singer-no-such-dir-${process.pid}`), () => run(['100']));
    assert.match(log, /relaying on the event loop: named pipes cannot be made here/);
    assert.deepEqual(result.records, { s0: 34, s1: 33, s2: 33 });
  });
});

describe('which relay a job uses (tapWrites.ts)', () => {
  const w = (bytes: number, reads: number, smallReads: number, readingMs: number, relay: 'event loop' | 'thread' = 'event loop') => ({ relay, bytes, reads, smallReads, readingMs });
  // The shapes measured at 300,000 records (docs/relay.md).
  it('a tap that wrote a line at a time, fast: the thread, whichever relay read it', () => {
    assert.equal(fastLineTap(w(230_360_500, 3683, 885, 828)), true); // sdk-random-lines, event loop
    assert.equal(fastLineTap(w(62_404_660, 2034, 510, 577)), true); // sorted-many-lines, event loop
    assert.equal(fastLineTap(w(62_404_660, 6463, 5954, 340, 'thread')), true);
  });
  it('a tap that wrote in blocks, whichever relay read it: the event loop', () => {
    assert.equal(fastLineTap(w(66_688_957, 799, 1, 219)), false); // blocks
    assert.equal(fastLineTap(w(66_688_957, 1024, 0, 180, 'thread')), false);
  });
  it('a slow tap, a short job or no job yet: the event loop', () => {
    assert.equal(fastLineTap(w(200_000_000, 100_000, 99_000, 100_000)), false); // 2 MB/s: a singer-sdk tap at work
    assert.equal(fastLineTap(w(1_000_000, 300, 290, 10)), false);
    assert.equal(fastLineTap(undefined), false);
  });
});
