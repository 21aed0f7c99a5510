/**
 * Crashes at the wrong moment (issue 16): a stop during a start, a write that fails, a pid that now
 * belongs to another program. (History trimmed by Skipped entries and a lock wait that runs out are
 * in store.test.ts.)
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Engine } from '../../src/core/engine';
import { newJob } from '../../src/core/jobs';
import type { Job } from '../../src/core/model';
import { processStartTime } from '../../src/core/process';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { Store } from '../../src/core/store';
import { Workspace } from '../../src/core/workspace';
import { addFixture, cli, editDatabase, pidAlive, tempWorkspace, waitFor, type Workspace as TempWs } from './helpers/workspace';

const others: ChildProcess[] = [];
const opened: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.dispose();
  for (const p of others.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Another program on the machine, in its own process group, that has nothing to do with Singer. */
function anotherProgram(): ChildProcess {
  const p = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  others.push(p);
  return p;
}

/** A tap that leaves a mark when it starts, and a start the test holds open by not answering a secret. */
async function heldStart(t: TempWs): Promise<{ marker: string; asked: Promise<void>; answer: () => void; secrets: (n: string) => Promise<string | undefined> }> {
  const marker = t.file('tap-ran');
  fs.writeFileSync(t.file('marktap.py'), `open(${JSON.stringify(marker)}, 'w').write('x')\nimport time; time.sleep(5)\n`);
  t.writeJson('held-tap.json', { password: { $secret: 'PW' } });
  const r = await cli(t, 'add', 'held', '--tap', 'python3 marktap.py', '--tap-config', 'held-tap.json', '--target', 'python3 -c "import sys; sys.stdin.read()"');
  assert.equal(r.code, 0, r.err);
  let onAsked!: () => void;
  const asked = new Promise<void>((res) => (onAsked = res));
  let release!: () => void;
  const answered = new Promise<void>((res) => (release = res));
  const secrets = async (): Promise<string> => {
    onAsked();
    await answered;
    return 'pw';
  };
  return { marker, asked, answer: () => release(), secrets };
}

function scheduledWorkspace(t: TempWs, secrets: (n: string) => Promise<string | undefined>): Workspace {
  const ws = new Workspace({ folder: t.dir, settings: { ...DEFAULT_SETTINGS }, scheduling: true, secrets });
  opened.push(ws);
  return ws;
}

describe('crashes at the wrong moment', function () {
  this.timeout(60_000);

  it('`schedule` gets SIGTERM while the scheduler is starting a job: the job is stopped before its tap is spawned', async () => {
    const t = tempWorkspace();
    const held = await heldStart(t);
    const ws = scheduledWorkspace(t, held.secrets);
    ws.start();
    await held.asked; // the scheduler's first job (rule 2) is starting, waiting for its secret
    // What scheduleCommand does on SIGTERM:
    ws.setScheduling(false);
    const stopped = ws.engine.stopAllHere();
    held.answer();
    await stopped;
    const job = await waitFor('the job to end', async () => (await ws.engine.jobs('held')).find((j) => j.endedAt !== null));
    assert.equal(job.status, 'Cancelled', job.error ?? '');
    assert.equal(fs.existsSync(held.marker), false, 'the tap was started after the stop');
    // Only what ran or was starting then is stopped: a later start of the same engine runs.
    const later = await ws.engine.start('held', { trigger: 'manual' });
    await waitFor('the tap of the later job', () => fs.existsSync(held.marker));
    later.stop(0);
    assert.equal((await later.done).status, 'Cancelled');
  });

  it('the editor closes while a job is starting (deactivation): the job is stopped before its tap is spawned, and its log says why', async () => {
    const t = tempWorkspace();
    const held = await heldStart(t);
    const ws = scheduledWorkspace(t, held.secrets);
    ws.start();
    await held.asked;
    const closing = ws.shutdown('the editor is closing', 20_000);
    held.answer();
    await closing;
    const job = await waitFor('the job to end', async () => (await ws.engine.jobs('held')).find((j) => j.endedAt !== null));
    assert.equal(job.status, 'Cancelled', job.error ?? '');
    assert.equal(fs.existsSync(held.marker), false, 'the tap was started after the stop');
    assert.match(fs.readFileSync(ws.engine.paths.resolve(job.logFile!), 'utf8'), /the editor is closing: stopping the extraction/);
  });

  it('a failed write of the process groups is retried and told, not dropped: reconcile can still kill the leftovers', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'groups', { total: 1_000_000, sleep: 0.01 });
    const engine = new Engine({ workspace: t.dir });
    opened.push(engine);
    const errors: string[] = [];
    engine.events.on('error', (m) => errors.push(m));
    // The first write after the job record (the process groups) fails once, as a busy or flaky disk would.
    const update = engine.store.update.bind(engine.store);
    let calls = 0;
    engine.store.update = ((change: Parameters<Store['update']>[0]) => {
      calls++;
      if (calls === 2) return Promise.reject(new Error('EIO: i/o error, write'));
      return update(change);
    }) as Store['update'];
    const running = await engine.start('groups', { trigger: 'manual' });
    try {
      const job = await waitFor('the process groups recorded', async () => (await engine.jobs('groups')).find((j) => j.tapPgid !== null));
      assert.ok(job.tapStartTime !== null && job.targetPgid !== null);
      assert.ok(errors.some((m) => /recording the process groups of job 000001 of groups failed, retrying: EIO/.test(m)), errors.join('\n'));
    } finally {
      running.stop(0);
      await running.done;
    }
  });

  it('reconcile checks the start time as the locks do: a runner pid now used by another program does not keep the job Running', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'reused', { total: 1 });
    const other = anotherProgram();
    await waitFor('the other program', () => processStartTime(other.pid!) !== undefined);
    await writeJob(t, {
      id: '000001',
      status: 'Running',
      runnerPid: other.pid!,
      runnerHost: null,
      runnerStartTime: 'not the start time of that program',
    });
    const [job] = JSON.parse((await cli(t, 'jobs', 'reused', '--json')).out) as Job[];
    assert.equal(job!.status, 'Interrupted');
    assert.ok(pidAlive(other.pid!), 'the other program was left alone');
  });

  it('reconcile never kills another program\'s process group that now has a recorded pgid', async () => {
    const t = tempWorkspace();
    await addFixture(t, 'pgid', { total: 1 });
    const other = anotherProgram();
    await waitFor('the other program', () => processStartTime(other.pid!) !== undefined);
    await writeJob(t, {
      id: '000001',
      status: 'Running',
      runnerPid: 2 ** 22 + 7, // gone
      tapPgid: other.pid!,
      tapStartTime: 'the start time the tap had',
    });
    const [job] = JSON.parse((await cli(t, 'jobs', 'pgid', '--json')).out) as Job[];
    assert.equal(job!.status, 'Interrupted');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(pidAlive(other.pid!), 'another program\'s process group was killed');
  });
});

/** Puts a job record into the database as a runner would have left it. */
async function writeJob(t: TempWs, fields: Partial<Job> & Pick<Job, 'id' | 'status'>): Promise<void> {
  await editDatabase(t, (db, histories) => {
    const name = db.integrations[0]!.name;
    histories.jobs(name).push(
      newJob({
        integration: name,
        trigger: 'manual',
        startedAt: new Date().toISOString(),
        runnerHost: os.hostname(),
        ...fields,
      }),
    );
  });
}
