/**
 * Crashes at the wrong moment (issue 16): a stop during a start.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { Workspace } from '../../src/core/workspace';
import { cli, tempWorkspace, waitFor, type Workspace as TempWs } from './helpers/workspace';

const opened: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.dispose();
});

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

});
