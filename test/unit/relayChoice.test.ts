/**
 * Each job records how its tap wrote, and the next job of the integration relays on a thread when the
 * tap wrote a line at a time, fast (tapWrites.ts); the command line's JSON (§5) does not change.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { HistorySchema, type TapWrites } from '../../src/core/model';
import { addFixture, cli, cliSync, tempWorkspace, type Workspace } from './helpers/workspace';

/** What the event loop's relay recorded for 1M records of a tap writing a line per system call (docs/relay.md). */
const FAST_LINES: TapWrites = { relay: 'event loop', bytes: 766_000_000, reads: 12_800, smallReads: 2_900, readingMs: 2_800 };

function history(ws: Workspace, name: string): ReturnType<typeof HistorySchema.parse> {
  return HistorySchema.parse(JSON.parse(fs.readFileSync(ws.file(`.singer/history/${name}.json`), 'utf8')));
}

/** Says in the integration's history that its last job's tap wrote as `w`, as an earlier job would have. */
function lastJobWrote(ws: Workspace, name: string, w: TapWrites): void {
  const h = history(ws, name);
  h.jobs.at(-1)!.tapWrites = w;
  fs.writeFileSync(ws.file(`.singer/history/${name}.json`), JSON.stringify(h));
}

const logOf = (ws: Workspace, name: string, id: string): string => fs.readFileSync(ws.file(`.singer/logs/${name}/${id}.log`), 'utf8');

describe('which relay each job uses: chosen from how the last job’s tap wrote', function () {
  this.timeout(60_000);

  it('records how the tap wrote; after a fast line-at-a-time tap the next job relays on a thread; then back to the event loop', async () => {
    const ws = tempWorkspace();
    const out = await addFixture(ws, 'r', { total: 5 });
    assert.equal((await cli(ws, 'run', 'r')).code, 0);
    const first = history(ws, 'r').jobs.at(-1)!;
    assert.equal(first.tapWrites?.relay, 'event loop');
    assert.ok(first.tapWrites!.bytes > 0 && first.tapWrites!.reads > 0);
    assert.doesNotMatch(logOf(ws, 'r', '000001'), /relaying on a thread/);

    lastJobWrote(ws, 'r', FAST_LINES);
    assert.equal((await cli(ws, 'run', 'r', '--full-refresh')).code, 0);
    assert.match(logOf(ws, 'r', '000002'), /runner INFO relaying on a thread: the last job's tap wrote its lines one at a time, fast/);
    const second = history(ws, 'r').jobs.at(-1)!;
    assert.equal(second.status, 'Succeeded');
    assert.deepEqual(second.records, { items: 5 });
    assert.equal(second.tapWrites?.relay, 'thread');
    assert.equal(fs.readFileSync(out, 'utf8').trim().split('\n').length, 10, 'the target loaded every record of both jobs');

    // That job's tap wrote a few hundred bytes: not worth a thread.
    assert.equal((await cli(ws, 'run', 'r')).code, 0);
    assert.doesNotMatch(logOf(ws, 'r', '000003'), /relaying on a thread/);
    assert.equal(history(ws, 'r').jobs.at(-1)!.tapWrites?.relay, 'event loop');
  });

  it('the built command relays on its thread and exits as soon as the job ends; `jobs --json` keeps its fields', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'b', { total: 3 });
    assert.equal((await cli(ws, 'run', 'b')).code, 0);
    lastJobWrote(ws, 'b', FAST_LINES);
    const started = Date.now();
    const r = cliSync(ws, 'run', 'b', '--full-refresh');
    assert.equal(r.code, 0, r.err);
    assert.ok(Date.now() - started < 20_000);
    assert.doesNotMatch(r.err, /Warning/, 'no warning from Node about the thread');
    assert.match(logOf(ws, 'b', '000002'), /relaying on a thread/);
    const jobs = JSON.parse((await cli(ws, 'jobs', 'b', '--json')).out) as Array<Record<string, unknown>>;
    const keys = ['id', 'integration', 'status', 'trigger', 'startedAt', 'endedAt', 'records', 'tapExitCode', 'targetExitCode', 'error', 'logFile', 'stateSaved', 'fullRefresh'];
    for (const job of jobs) assert.deepEqual(Object.keys(job), keys);
    assert.deepEqual(jobs[0]!.records, { items: 3 });
  });
});
