/**
 * A folder that may not be written (issue 16): read commands work, and show a warning for what they
 * could not record; commands that write exit 2 with a sentence naming the folder and saying it is
 * read-only. A lock that cannot be made is never told as held by someone else. Tried for real: a
 * read-only mount (EROFS) and file permissions (EACCES, as another user when the tests run as root,
 * since root writes whatever the permission bits say).
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { mountNamespace, type MountNamespace } from './helpers/mounts';
import { addFixture, cli, CLI_JS, cliProcess, type CliResult, editDatabase, exitOf, tempWorkspace, waitFor, type Workspace } from './helpers/workspace';

const NOBODY = 65534;

/** A workspace with one finished job and one whose runner is gone (reconcile would write). */
async function workspaceWithHistory(): Promise<Workspace> {
  const ws = tempWorkspace();
  await addFixture(ws, 'ro', { total: 3 });
  assert.equal((await cli(ws, 'run', 'ro')).code, 0);
  await editDatabase(ws, (db, histories) => {
    const history = histories.jobs('ro');
    history.push({ ...history[0]!, id: '000002', status: 'Running', endedAt: null, runnerPid: 2 ** 22 + 1, tapPgid: null, targetPgid: null, logFile: null });
    db.lastJobId.ro = 2;
  });
  return ws;
}

async function checkReadOnly(ws: Workspace, run: (args: string[]) => Promise<CliResult>, folder: RegExp): Promise<void> {
  const before = fs.readFileSync(ws.file('.singer/db.json'), 'utf8');
  for (const args of [['list'], ['jobs', 'ro', '--json'], ['log', 'ro', '1'], ['state', 'ro', '--json']]) {
    const r = await run(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    if (args[0] !== 'state') {
      assert.match(r.err, /warning: the folder .* is read-only.*jobs whose runner went away could not be marked Interrupted, so they are shown as they were recorded/);
    }
  }
  assert.match((await run(['log', 'ro', '1'])).out, /job 000001 of ro started/);
  const writes: string[][] = [
    ['add', 'other', '--tap', 'a', '--target', 'b'],
    ['run', 'ro'],
    ['pause', 'ro'],
    ['resume', 'ro'],
    ['stop', 'ro'],
    ['state', 'ro', '--reset'],
    ['remove', 'ro'],
  ];
  for (const args of writes) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.err}`);
    const sentence = r.err.trim().split('\n').filter((l) => !l.includes('warning:'));
    assert.equal(sentence.length, 1, r.err);
    assert.match(sentence[0]!, folder, r.err);
    assert.match(sentence[0]!, /make the folder writable/);
    assert.doesNotMatch(r.err, /already has a job running|process 0|unexpected error/);
  }
  assert.equal(fs.readFileSync(ws.file('.singer/db.json'), 'utf8'), before, 'nothing was written');
}

describe('a read-only folder', function () {
  this.timeout(60_000);

  let ns: MountNamespace | undefined;
  afterEach(async () => {
    await ns?.close();
    ns = undefined;
  });

  it('on a read-only mount (EROFS): reads work with a warning; writes exit 2 naming the folder as read-only', async function () {
    const ws = await workspaceWithHistory();
    const made = await mountNamespace({ kind: 'read-only', dir: ws.dir });
    if (typeof made === 'string') {
      console.log(`      skipped: ${made}`);
      this.skip();
    }
    ns = made;
    const inNs = made;
    await checkReadOnly(ws, (args) => inNs.cli(ws.dir, args), new RegExp(`the folder ${ws.file('.singer')}\\S* is read-only \\(EROFS\\)`));
  });

  it('without write permission (EACCES): reads work with a warning; writes exit 2 naming the folder as read-only', async () => {
    const ws = await workspaceWithHistory();
    const asRoot = process.getuid?.() === 0;
    let run: (args: string[]) => Promise<CliResult>;
    if (asRoot) {
      // Root ignores permission bits: the commands run as nobody, who may read the workspace but not write it.
      fs.chmodSync(ws.dir, 0o755);
      run = (args) => runAs(NOBODY, ws.dir, args);
    } else {
      for (const d of [ws.dir, ws.file('.singer'), ws.file('.singer/locks'), ws.file('.singer/logs/ro'), ws.file('.singer/state')]) fs.chmodSync(d, 0o555);
      run = (args) => cli(ws, ...args);
    }
    try {
      await checkReadOnly(ws, run, new RegExp(`the folder ${ws.file('.singer')}\\S* is read-only for this user \\(EACCES, permission denied\\)`));
      // The scheduler cannot run there either (its lock cannot be made): it says so once and waits, never "another scheduler (pid 0)".
      const sched = asRoot ? spawnAs(NOBODY, ws.dir, ['schedule']) : cliProcess(ws, 'schedule');
      try {
        await waitFor('the scheduler to say why it cannot run', () => /scheduler: error: scheduler: the folder .* is read-only for this user \(EACCES, permission denied\): no scheduler can run here, so no job starts by itself/.test(sched.output()));
      } finally {
        sched.kill('SIGTERM');
      }
      assert.equal(await exitOf(sched), 0, sched.output());
      assert.doesNotMatch(sched.output(), /standing by|pid 0|unexpected error/);
    } finally {
      if (!asRoot) for (const d of [ws.dir, ws.file('.singer'), ws.file('.singer/locks'), ws.file('.singer/logs/ro'), ws.file('.singer/state')]) fs.chmodSync(d, 0o755);
    }
  });
});

function spawnAs(uid: number, workspace: string, args: string[]): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [CLI_JS, '--workspace', workspace, ...args], { uid, gid: uid, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: '/' } });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return Object.assign(child, { output: () => text });
}

function runAs(uid: number, workspace: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_JS, '--workspace', workspace, ...args], { uid, gid: uid, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: '/' } });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}
