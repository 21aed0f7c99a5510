/** The command line's contract (DESIGN §5): refusals before anything is spawned, files by path, secrets. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addFixture, cli, cliSync, FIXTURES, TAP, TARGET, tempWorkspace } from './helpers/workspace';

const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (runner|tap|target) (DEBUG|INFO|WARNING|ERROR|CRITICAL) /;

describe('the command line (DESIGN §5)', function () {
  this.timeout(30_000);

  it('every command has --help, and the built binary runs', () => {
    const ws = tempWorkspace();
    for (const c of ['add', 'list', 'run', 'stop', 'jobs', 'log', 'state', 'pause', 'resume', 'remove', 'schedule']) {
      const r = cliSync(ws, c, '--help');
      assert.equal(r.code, 0, c);
      assert.match(r.out, new RegExp(`Usage: singer-replication ${c}`));
    }
    const top = cliSync(ws, '--help');
    assert.equal(top.code, 0);
    assert.match(top.out, /Exit codes/);
  });

  it('usage errors exit 2 with one sentence on stderr', async () => {
    const ws = tempWorkspace();
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['run'], /needs an integration NAME/],
      [['run', 'nope'], /no integration named "nope".*singer-replication list/],
      [['run', '../etc'], /not a valid integration name/],
      [['add', 'x y', '--tap', 'a', '--target', 'b'], /not a valid integration name/],
      [['add', 'ok', '--target', 'b'], /needs --tap/],
      [['add', 'ok', '--tap', 'a', '--target', 'b', '--frequency', 'often'], /not a duration/],
      [['add', 'ok', '--tap', 'a', '--target', 'b', '--frequency', '500ms'], /shorter than 1s/],
      [['add', 'ok', '--tap', 'a', '--target', 'b', '--cron', '61 * * * *'], /the minute field "61" is not valid.*0-59/],
      [['add', 'ok', '--tap', 'a', '--target', 'b', '--cron', '0 * * * *', '--timezone', 'Mars/Olympus'], /time ?zone/i],
      [['add', 'ok', '--tap', 'a', '--target', 'b', '--tap-config', 'missing.json'], /does not exist/],
      [['add', 'ok', '--tap', 'tap; touch x', '--target', 'b'], /without a shell/],
      [['list', '--bogus'], /bogus/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(ws, ...args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.err}`);
      assert.match(r.err, message);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
    }
    assert.ok(!fs.existsSync(ws.file('x')));
    assert.ok(!fs.existsSync(ws.file('.singer/db.json')), 'nothing was written');
  });

  it('a quoted shell operator reaches the program as a plain argument; no shell runs (rule 17)', async () => {
    const ws = tempWorkspace();
    ws.writeJson('tap.json', { total: 3, argv_file: ws.file('argv.json') });
    ws.writeJson('target.json', { path: ws.file('out.jsonl') });
    const add = await cli(ws, 'add', 'q', '--tap', `${TAP} '; touch x' "&& touch y"`, '--target', TARGET, '--tap-config', 'tap.json', '--target-config', 'target.json');
    assert.equal(add.code, 0, add.err);
    const run = await cli(ws, 'run', 'q');
    assert.equal(run.code, 0, run.err);
    const argv = JSON.parse(fs.readFileSync(ws.file('argv.json'), 'utf8')) as string[];
    assert.deepEqual(argv.slice(1, 3), ['; touch x', '&& touch y']);
    assert.ok(!fs.existsSync(ws.file('x')) && !fs.existsSync(ws.file('y')));
    const db = JSON.parse(fs.readFileSync(ws.file('.singer/db.json'), 'utf8'));
    assert.deepEqual(db.integrations[0].tap.slice(-2), ['; touch x', '&& touch y'], 'the database stores the argv array');
  });

  it('config files are kept by path relative to the workspace, and read when each job starts', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'paths', { total: 2 });
    const db = JSON.parse(fs.readFileSync(ws.file('.singer/db.json'), 'utf8'));
    assert.equal(db.integrations[0].tapConfig, 'paths-tap.json');
    assert.equal(db.integrations[0].targetConfig, 'paths-target.json');
  });

  it('a missing executable: add warns, run fails with its name and where it looked (exit 1)', async () => {
    const ws = tempWorkspace();
    const add = await cli(ws, 'add', 'ghost', '--tap', 'tap-does-not-exist --x', '--target', TARGET);
    assert.equal(add.code, 0);
    assert.match(add.err, /warning: the tap program tap-does-not-exist was not found/);
    const run = await cli(ws, 'run', 'ghost');
    assert.equal(run.code, 1);
    const [job] = JSON.parse((await cli(ws, 'jobs', 'ghost', '--json')).out);
    assert.equal(job.status, 'Failed');
    assert.match(job.error, /tap program not found: tap-does-not-exist \(looked in PATH/);
    assert.equal(job.tapExitCode, null);
    const rel = await cli(ws, 'add', 'ghost2', '--tap', './bin/tap-x', '--target', TARGET);
    assert.equal(rel.code, 0);
    assert.equal((await cli(ws, 'run', 'ghost2')).code, 1);
    assert.match(JSON.parse((await cli(ws, 'jobs', 'ghost2', '--json')).out)[0].error, /looked in .*bin\/tap-x/);
  });

  it('refused before anything is spawned (exit 2): config deleted later, bad catalog, corrupt state', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'r', { total: 3, argv_file: ws.file('argv.json') });
    fs.rmSync(ws.file('r-tap.json'));
    let r = await cli(ws, 'run', 'r');
    assert.equal(r.code, 2);
    assert.match(r.err, /the tap config of r, .*r-tap\.json, does not exist/);
    ws.writeJson('r-tap.json', { total: 3, argv_file: ws.file('argv.json') });

    ws.writeJson('.singer/state/r.json', {});
    fs.writeFileSync(ws.file('.singer/state/r.json'), '{"bookmarks": ');
    r = await cli(ws, 'run', 'r');
    assert.equal(r.code, 2);
    assert.match(r.err, /state file .* is not valid JSON.*state r --reset/);
    assert.ok(!fs.existsSync(ws.file('argv.json')), 'never a silent full refresh: the tap did not run');
    assert.equal(JSON.parse((await cli(ws, 'jobs', 'r', '--json')).out).length, 0);
    assert.equal((await cli(ws, 'state', 'r', '--reset')).code, 0);
    assert.equal((await cli(ws, 'run', 'r')).code, 0);

    fs.writeFileSync(ws.file('cat.json'), '{"streams": [');
    const add = await cli(ws, 'add', 'c', '--tap', TAP, '--target', TARGET, '--catalog', 'cat.json');
    assert.equal(add.code, 2);
    assert.match(add.err, /--catalog cat\.json is not valid JSON/);
  });

  it('passes the catalog, runs in the workspace folder with the integration\'s env', async () => {
    const ws = tempWorkspace();
    ws.writeJson('cat.json', { streams: [] });
    ws.writeJson('tap.json', { total: 1, argv_file: 'argv.json' });
    ws.writeJson('target.json', { path: ws.file('out.jsonl') });
    await cli(ws, 'add', 'e', '--tap', TAP, '--target', TARGET, '--tap-config', 'tap.json', '--target-config', 'target.json', '--catalog', 'cat.json', '--env', 'EXTRA=1');
    assert.equal((await cli(ws, 'run', 'e')).code, 0);
    const argv = JSON.parse(fs.readFileSync(ws.file('argv.json'), 'utf8')) as string[];
    assert.equal(argv[argv.indexOf('--catalog') + 1], ws.file('cat.json'));
    const db = JSON.parse(fs.readFileSync(ws.file('.singer/db.json'), 'utf8'));
    assert.deepEqual(db.integrations[0].env, { EXTRA: '1' });
  });

  it('secrets come from SINGER_SECRET_* into a private temp config, and never appear in the log (rule 16)', async () => {
    const ws = tempWorkspace();
    const secret = 's3cr3t-Value-42';
    ws.writeJson('tap.json', { total: 2, password: { $secret: 'DB_PASSWORD' }, print_config: true, argv_file: ws.file('argv.json') });
    ws.writeJson('target.json', { path: ws.file('out.jsonl') });
    await cli(ws, 'add', 's', '--tap', TAP, '--target', TARGET, '--tap-config', 'tap.json', '--target-config', 'target.json');
    const missing = await cli(ws, 'run', 's');
    assert.equal(missing.code, 2);
    assert.match(missing.err, /secret "DB_PASSWORD", which is not set.*SINGER_SECRET_DB_PASSWORD/);
    process.env.SINGER_SECRET_DB_PASSWORD = secret;
    try {
      const r = await cli(ws, 'run', 's');
      assert.equal(r.code, 0, r.err);
    } finally {
      delete process.env.SINGER_SECRET_DB_PASSWORD;
    }
    const log = (await cli(ws, 'log', 's')).out;
    assert.match(log, /config: .*"password": "\*\*\*"/);
    assert.ok(!log.includes(secret));
    for (const f of walk(ws.dir)) assert.ok(!fs.readFileSync(f, 'utf8').includes(secret), `${f} holds the secret`);
    const argv = JSON.parse(fs.readFileSync(ws.file('argv.json'), 'utf8')) as string[];
    const tempConfig = argv[argv.indexOf('--config') + 1]!;
    assert.ok(!fs.existsSync(tempConfig), 'the temp config was deleted after the job');
  });

  it('log lines are `<time> <source> <LEVEL> <text>`; `log NAME JOB` picks a job', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'l', { total: 3 });
    await cli(ws, 'run', 'l');
    await cli(ws, 'run', 'l');
    const one = (await cli(ws, 'log', 'l', '1')).out.trim().split('\n');
    for (const line of one) assert.match(line, LOG_LINE);
    assert.match(one[0]!, /runner INFO job 000001 of l started \(manual\)/);
    assert.ok(one.some((l) => / tap WARNING this is a warning$/.test(l)));
    assert.ok(one.some((l) => / runner INFO starting tap: .*tap_fixture\.py --config /.test(l)));
    assert.ok(one.some((l) => / runner INFO tap and target ran for \d+\.\d{3} s \(from starting the first of them until both had exited\)$/.test(l)));
    assert.match((await cli(ws, 'log', 'l')).out, /job 000002 of l started/);
    assert.equal((await cli(ws, 'log', 'l', '7')).code, 2);
  });

  it('jobs --json has the documented fields and times', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'j', { total: 3 });
    await cli(ws, 'run', 'j');
    const [job] = JSON.parse((await cli(ws, 'jobs', 'j', '--json')).out);
    for (const k of ['id', 'status', 'trigger', 'startedAt', 'endedAt', 'records', 'tapExitCode', 'targetExitCode', 'error', 'logFile', 'stateSaved']) {
      assert.ok(k in job, k);
    }
    assert.match(job.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(job.logFile, path.join('.singer', 'logs', 'j', '000001.log'));
  });

  it('pause, resume, list --json and remove', async () => {
    const ws = tempWorkspace();
    await addFixture(ws, 'p', { total: 3 }, {}, '--frequency', '5m');
    assert.equal((await cli(ws, 'pause', 'p')).code, 0);
    let [row] = JSON.parse((await cli(ws, 'list', '--json')).out);
    assert.equal(row.syncStatus, 'Paused');
    assert.equal(row.paused, true);
    assert.equal(row.schedule, 'every 5m');
    assert.equal((await cli(ws, 'run', 'p')).code, 0, 'a manual start works on a paused integration');
    [row] = JSON.parse((await cli(ws, 'list', '--json')).out);
    assert.equal(row.paused, true, 'and leaves it paused');
    assert.equal(row.lastJob.status, 'Succeeded');
    assert.equal((await cli(ws, 'resume', 'p')).code, 0);
    [row] = JSON.parse((await cli(ws, 'list', '--json')).out);
    assert.equal(row.syncStatus, 'Scheduled');
    assert.equal((await cli(ws, 'remove', 'p')).code, 0);
    assert.deepEqual(JSON.parse((await cli(ws, 'list', '--json')).out), []);
    assert.ok(!fs.existsSync(ws.file('.singer/logs/p')));
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
void FIXTURES;
