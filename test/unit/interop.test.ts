/**
 * Real Singer targets from PyPI (installed by scripts/setup-python.sh into .venv-test/): target-jsonl
 * (singer-python) and meltanolabs-target-csv (singer-sdk), fed by the fixture tap through the engine.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, cliProcess, exitOf, REPO, TAP, tempWorkspace, waitFor, type Workspace } from './helpers/workspace';

const VENV_BIN = path.join(REPO, '.venv-test/bin');

function requireTarget(name: string): string {
  const exe = path.join(VENV_BIN, name);
  if (!fs.existsSync(exe)) {
    throw new Error(`${exe} is missing: run \`bash scripts/setup-python.sh\` (npm test runs it) to install the PyPI targets.`);
  }
  return exe;
}

function jsonlIds(dir: string): number[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => (JSON.parse(l) as { id: number }).id);
}

async function addWith(ws: Workspace, name: string, target: string, tapConfig: object, targetConfig: object): Promise<void> {
  ws.writeJson(`${name}-tap.json`, tapConfig);
  ws.writeJson(`${name}-target.json`, targetConfig);
  const r = await cli(ws, 'add', name, '--tap', TAP, '--target', target, '--tap-config', `${name}-tap.json`, '--target-config', `${name}-target.json`);
  assert.equal(r.code, 0, r.err);
}

/** Adds `name` with a tap command of its own, runs one job that must succeed, and gives its per-stream counts. */
async function runLibraryTap(ws: Workspace, name: string, tap: string, target: string, targetConfig: object): Promise<Record<string, number>> {
  ws.writeJson('target.json', targetConfig);
  assert.equal((await cli(ws, 'add', name, '--tap', tap, '--target', target, '--target-config', 'target.json')).code, 0);
  const r = await cli(ws, 'run', name);
  assert.equal(r.code, 0, r.err + (await cli(ws, 'log', name)).out);
  const [job] = JSON.parse((await cli(ws, 'jobs', name, '--json')).out) as Array<{ records: Record<string, number> }>;
  return job.records;
}

describe('real targets from PyPI', function () {
  this.timeout(120_000);

  it('target-jsonl loads every record and its echoed state becomes the saved state', async () => {
    const target = requireTarget('target-jsonl');
    const ws = tempWorkspace();
    fs.mkdirSync(ws.file('out'));
    await addWith(ws, 'jl', target, { total: 40 }, { destination_path: 'out' });
    const r = await cli(ws, 'run', 'jl');
    assert.equal(r.code, 0, r.err + (await cli(ws, 'log', 'jl')).out);
    assert.deepEqual(jsonlIds(ws.file('out')).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'jl', '--json')).out), { bookmarks: { items: { last_id: 40 } } });
  });

  it('target-jsonl: stop mid-job and run again, no record lost end to end', async () => {
    const target = requireTarget('target-jsonl');
    const ws = tempWorkspace();
    fs.mkdirSync(ws.file('out'));
    await addWith(ws, 'jls', target, { total: 300, sleep: 0.01, state_every: 10 }, { destination_path: 'out' });
    const run = cliProcess(ws, 'run', 'jls');
    // target-jsonl echoes state only at the end: everything before it is the unacknowledged tail.
    await waitFor('records loaded', () => jsonlIds(ws.file('out')).length >= 50, 30_000);
    assert.equal((await cli(ws, 'stop', 'jls')).code, 0);
    assert.equal(await exitOf(run), 3);
    const first = jsonlIds(ws.file('out'));
    assert.ok(first.length < 300, `stopped mid-job after ${first.length}`);
    const saved = JSON.parse((await cli(ws, 'state', 'jls', '--json')).out) as { bookmarks: { items: { last_id: number } } } | null;
    const acknowledged = saved?.bookmarks.items.last_id ?? 0;
    assert.equal((await cli(ws, 'run', 'jls')).code, 0);
    const all = jsonlIds(ws.file('out'));
    const unique = new Set(all);
    for (let i = 1; i <= 300; i++) assert.ok(unique.has(i), `record ${i} lost`);
    assert.ok(all.length - unique.size <= Math.max(...first) - acknowledged, `${all.length - unique.size} duplicates: more than the unacknowledged tail`);
  });

  it('a tap built on singer-sdk, a flush per message, into target-csv: every record counted per stream and loaded', async () => {
    // The bench's singer-sdk tap: the library writes each message itself (escaped quotes, \u00fc), a line at a
    // time, so the relay paces its reads and batches its writes to the target.
    const target = requireTarget('target-csv');
    const python = requireTarget('python');
    const ws = tempWorkspace();
    fs.mkdirSync(ws.file('csv'));
    const tap = `${python} ${path.join(REPO, 'test/fixtures/bench/sdk_tap.py')} --records 3001`;
    assert.deepEqual(await runLibraryTap(ws, 'sdk', tap, target, { output_path: 'csv' }), { orders: 1501, users: 1500 });
    const orders = fs.readFileSync(ws.file('csv/orders.csv'), 'utf8').trim().split('\n');
    assert.equal(orders.length, 1502, 'a header and 1,501 rows');
    assert.ok(orders.some((row) => row.includes('Zürich')) && orders.some((row) => row.includes('wrapped')));
    assert.equal(fs.readFileSync(ws.file('csv/users.csv'), 'utf8').trim().split('\n').length, 1501);
  });

  it('a tap written on singer-python, a flush per message, into target-jsonl: every record counted per stream and loaded', async () => {
    // The bench's singer-python tap, on the Python that target-jsonl's virtualenv (and so singer-python) lives in.
    const target = requireTarget('target-jsonl');
    const python = path.join(REPO, '.venv-test/isolated/target-jsonl/bin/python');
    assert.ok(fs.existsSync(python), `${python} is missing: run \`bash scripts/setup-python.sh\``);
    const ws = tempWorkspace();
    fs.mkdirSync(ws.file('out'));
    const tap = `${python} ${path.join(REPO, 'test/fixtures/bench/python_tap.py')} --records 2001`;
    assert.deepEqual(await runLibraryTap(ws, 'sp', tap, target, { destination_path: 'out' }), { users: 1000, orders: 1001 });
    const ids = jsonlIds(ws.file('out'));
    assert.equal(ids.length, 2001);
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'sp', '--json')).out), { bookmarks: { users: { id: 999 }, orders: { id: 1000 } } });
  });

  it('meltanolabs-target-csv (singer-sdk) loads the records, emits state, and its logs keep their levels', async () => {
    const target = requireTarget('target-csv');
    const ws = tempWorkspace();
    fs.mkdirSync(ws.file('csv'));
    await addWith(ws, 'csv', target, { total: 25 }, { output_path: 'csv' });
    const r = await cli(ws, 'run', 'csv');
    const log = (await cli(ws, 'log', 'csv')).out;
    assert.equal(r.code, 0, r.err + log);
    const rows = fs.readFileSync(ws.file('csv/items.csv'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 26, 'a header and 25 rows');
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'csv', '--json')).out), { bookmarks: { items: { last_id: 25 } } });
    assert.match(log, / target INFO /);
    assert.doesNotMatch(log, / target INFO INFO /, 'level words are dropped from the text');
  });
});
