/** Jobs run in a child `singer-replication run` (how the extension host runs them): same job, events back, stops, secrets. */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/core/engine';
import type { EngineEvents } from '../../src/core/events';
import { CLI_JS, REPO, addFixture, cli, exitOf, tempWorkspace, waitFor, type Workspace } from './helpers/workspace';

function engineOf(t: Workspace, secrets: Record<string, string> = {}): Engine {
  return new Engine({
    workspace: t.dir,
    child: { runtime: process.execPath, cli: CLI_JS },
    secrets: async (n) => secrets[n],
    environment: () => ({ PATH: process.env.PATH }),
  });
}

function record(engine: Engine): Array<keyof EngineEvents> {
  const seen: Array<keyof EngineEvents> = [];
  for (const e of ['jobStarted', 'jobProgress', 'jobStopping', 'jobEnded'] as const) engine.events.on(e, () => seen.push(e));
  return seen;
}

describe('jobs in a child process (the extension host runs them so)', function () {
  this.timeout(60_000);

  it('runs the job `run` would run, with the trigger it is given, and tells started, progress and ended', async () => {
    const t = tempWorkspace();
    const out = await addFixture(t, 'kid', { total: 400, sleep: 0.003 });
    const engine = engineOf(t);
    const seen = record(engine);
    const running = await engine.start('kid', { trigger: 'scheduled' });
    assert.equal(running.jobId, '000001');
    const job = await running.done;
    assert.equal(job.status, 'Succeeded', job.error ?? '');
    assert.equal(job.trigger, 'scheduled');
    assert.notEqual(job.runnerPid, process.pid, 'the job ran in this process');
    assert.deepEqual(job.records, { items: 400 });
    assert.equal(t.readLines(path.relative(t.dir, out)).length, 400);
    assert.equal(seen[0], 'jobStarted');
    assert.ok(seen.includes('jobProgress'));
    assert.equal(seen.at(-1), 'jobEnded');
    assert.deepEqual(engine.runningHere(), []);
  });

  it('Stop Extraction reaches the child: the target loads what was extracted, the job is Cancelled (rule 9)', async () => {
    const t = tempWorkspace();
    const out = await addFixture(t, 'stoppable', { total: 5000, sleep: 0.002 });
    const engine = engineOf(t);
    const seen = record(engine);
    await engine.start('stoppable', { trigger: 'manual' });
    await waitFor('records', async () => (await engine.jobs('stoppable'))[0]!.records.items);
    const job = (await engine.stop('stoppable'))!;
    assert.equal(job.status, 'Cancelled');
    assert.equal(t.readLines(path.relative(t.dir, out)).length, job.records.items);
    assert.ok(seen.includes('jobStopping'));
  });

  it('refusals keep their kind: a second job is Busy, a secret not set is named, a bad config is a usage error', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'busy', { total: 3000, sleep: 0.002 });
    const engine = engineOf(t);
    await engine.start('busy', { trigger: 'manual' });
    await assert.rejects(engine.start('busy', { trigger: 'manual' }), (e: Error & { exitCode?: number }) => e.name === 'BusyError' && e.exitCode === 4);
    await engine.stop('busy');

    await addFixture(t, 'secretive', { total: 3, password: { $secret: 'PW' } });
    await assert.rejects(engine.start('secretive', { trigger: 'manual' }), (e: Error & { secret?: string }) => e.secret === 'PW' && /secret "PW", which is not set/.test(e.message));

    await addFixture(t, 'broken', { total: 3 });
    fs.writeFileSync(t.file('broken-tap.json'), '{');
    await assert.rejects(engine.start('broken', { trigger: 'manual' }), (e: Error & { exitCode?: number }) => e.exitCode === 2 && /not valid JSON/.test(e.message));
  });

  it('a secret reaches the tap through its config only: not its environment, not the log', async () => {
    const t = tempWorkspace();
    const seenConfig = t.file('config.seen.json');
    const envFile = t.file('env.seen.json');
    fs.writeFileSync(t.file('envtap.py'), [
      'import json, os, sys',
      `cfg = json.load(open(sys.argv[sys.argv.index("--config") + 1]))`,
      `json.dump(cfg, open(${JSON.stringify(seenConfig)}, "w"))`,
      `json.dump(dict(os.environ), open(${JSON.stringify(envFile)}, "w"))`,
      'print("INFO password is " + cfg["password"], file=sys.stderr)',
    ].join('\n'));
    t.writeJson('s-tap.json', { password: { $secret: 'DB_PW' } });
    assert.equal((await cli(t, 'add', 's', '--tap', 'python3 envtap.py', '--tap-config', 's-tap.json', '--target', 'python3 -c "import sys; sys.stdin.read()"')).code, 0);
    const engine = engineOf(t, { DB_PW: 'correct horse battery' });
    const job = await (await engine.start('s', { trigger: 'manual' })).done;
    assert.equal(job.status, 'Succeeded', job.error ?? '');
    assert.equal((JSON.parse(fs.readFileSync(seenConfig, 'utf8')) as { password: string }).password, 'correct horse battery');
    const env = JSON.parse(fs.readFileSync(envFile, 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('SINGER_SECRET_')), []);
    const log = fs.readFileSync(engine.paths.resolve(job.logFile!), 'utf8');
    assert.match(log, /password is \*\*\*/);
    assert.ok(!log.includes('correct horse'));
  });

  it('a mapper stage runs in the child too, with the secrets of its config (typed ones converted) passed by the front', async () => {
    const t = tempWorkspace();
    t.writeJson('m-tap.json', { total: 6, with_email: true });
    t.writeJson('m-target.json', { path: t.file('m-out.jsonl') });
    t.writeJson('m-mapper.json', { stream_maps: { items: { email: null } }, config_file: t.file('m-seen.json'), token: { $secret: 'MAP_TOKEN' }, limit: { $secret: 'MAP_LIMIT', kind: 'integer' } });
    const mapper = `python3 ${path.join(REPO, 'test/fixtures/mapper_fixture.py')}`;
    const add = await cli(t, 'add', 'm', '--tap', `python3 ${path.join(REPO, 'test/fixtures/tap_fixture.py')}`, '--target', `python3 ${path.join(REPO, 'test/fixtures/target_fixture.py')}`, '--tap-config', 'm-tap.json', '--target-config', 'm-target.json', '--mapper', mapper, '--mapper-config', 'm-mapper.json');
    assert.equal(add.code, 0, add.err);
    const missing = engineOf(t);
    await assert.rejects(missing.start('m', { trigger: 'manual' }), (e: Error & { secret?: string }) => e.secret === 'MAP_TOKEN');
    const engine = engineOf(t, { MAP_TOKEN: 'tok-1234', MAP_LIMIT: '100' });
    const job = await (await engine.start('m', { trigger: 'manual' })).done;
    assert.equal(job.status, 'Succeeded', job.error ?? '');
    assert.notEqual(job.runnerPid, process.pid);
    assert.deepEqual(job.records, { items: 6 });
    assert.deepEqual(t.readLines('m-out.jsonl').filter((r) => 'email' in (r as object)), []);
    const seen = JSON.parse(fs.readFileSync(t.file('m-seen.json'), 'utf8')) as { token: string; limit: number };
    assert.deepEqual([seen.token, seen.limit], ['tok-1234', 100]);
  });

  it('when the front that started the job goes away, the child stops the extraction and still records the job (rule 13)', async () => {
    const t = tempWorkspace();
    const out = await addFixture(t, 'orphan', { total: 20000, sleep: 0.002 });
    // A front in its own process, as an extension host is: it starts the job, then dies.
    const front = spawn(process.execPath, ['-e', `
      const { Workspace, DEFAULT_SETTINGS } = require(${JSON.stringify(path.join(REPO, 'dist/core.js'))});
      const ws = new Workspace({ folder: ${JSON.stringify(t.dir)}, settings: DEFAULT_SETTINGS, scheduling: false, child: { runtime: process.execPath, cli: ${JSON.stringify(CLI_JS)} } });
      ws.engine.start('orphan', { trigger: 'manual' }).then(() => console.log('started'));
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitFor('the job to start', () => new Promise<boolean>((r) => front.stdout!.once('data', () => r(true))));
    await waitFor('records', async () => (await cli(t, 'jobs', 'orphan', '--json')).out.includes('"items"'));
    front.kill('SIGKILL');
    await exitOf(front);
    const ended = await waitFor('the job to end', async () => {
      const [j] = JSON.parse((await cli(t, 'jobs', 'orphan', '--json')).out) as Array<{ status: string; endedAt: string | null; records: { items?: number }; logFile: string }>;
      return j && j.endedAt !== null ? j : undefined;
    });
    assert.equal(ended.status, 'Cancelled');
    assert.equal(t.readLines(path.relative(t.dir, out)).length, ended.records.items);
    assert.match(fs.readFileSync(t.file(ended.logFile), 'utf8'), /the editor that started this job went away: stopping the extraction/);
  });
});
