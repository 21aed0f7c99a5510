/** Create Integration through VS Code's real quick input: each step validated as `add` validates, Back works, rule 2. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { TAP, TARGET, accept, api, cleanFolder, entry, nextStep, waitFor, writeJson } from './helpers';

describe('Create Integration', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await cleanFolder();
  });

  async function fill(step: vscode.QuickInput, value: string): Promise<void> {
    (step as vscode.InputBox).value = value;
    await accept();
  }

  it('walks name → tap → tap config → target → target config → frequency, refusing what add refuses on the step, and the first job starts', async () => {
    const a = await api();
    writeJson('created-tap.json', { total: 7 });
    writeJson('created-target.json', { path: 'created-out.jsonl' });
    const running = vscode.commands.executeCommand('singer.createIntegration');

    let s = await nextStep(undefined);
    assert.equal((s as vscode.InputBox).step, 1);
    await fill(s, 'not valid!');
    await waitFor('the name error', () => /not a valid integration name/.test(String((s as vscode.InputBox).validationMessage)));
    assert.equal(a.currentStep(), s, 'an invalid name moved on');
    await fill(s, 'created');

    s = await nextStep(s);
    await fill(s, 'tap-x | jq');
    await waitFor('the shell operator error', () => /commands run without a shell/.test(String((s as vscode.InputBox).validationMessage)));
    // Back returns to the name, which keeps its value.
    await vscode.commands.executeCommand('workbench.action.quickInputBack');
    const back = await nextStep(s);
    assert.equal((back as vscode.InputBox).value, 'created');
    await accept();
    s = await nextStep(back);
    await fill(s, TAP.map((w) => (w.includes(' ') ? `"${w}"` : w)).join(' '));

    s = await nextStep(s);
    await fill(s, 'missing.json');
    await waitFor('the missing file error', () => /Tap config file missing\.json: the file does not exist/.test(String((s as vscode.InputBox).validationMessage)));
    await fill(s, 'created-tap.json');

    s = await nextStep(s);
    await fill(s, TARGET.join(' '));
    s = await nextStep(s);
    await fill(s, 'created-target.json');

    s = await nextStep(s);
    const qp = s as vscode.QuickPick<vscode.QuickPickItem & { value: string }>;
    assert.deepEqual(
      qp.items.map((i) => i.label),
      ['Use integration default', 'Every 1 minute', 'Every 5 minutes', 'Every 10 minutes', 'Every 15 minutes', 'Every 30 minutes', 'Every 1 hour', 'Every 2 hours', 'Every 3 hours', 'Every 6 hours', 'Every 12 hours', 'Every 24 hours', 'Cron expression…'],
    );
    qp.activeItems = [qp.items.find((i) => i.label === 'Every 6 hours')!];
    await accept();
    assert.equal(await running, 'created');

    const e = await entry();
    const it = (await e.workspace.rows()).find((r) => r.integration.name === 'created')!;
    assert.deepEqual(it.integration.schedule, { kind: 'interval', everyMs: 6 * 3_600_000 });
    assert.equal(it.integration.tapConfig, 'created-tap.json');
    // Rule 2: the scheduler starts the first (historical) job as soon as it sees the integration.
    const first = await waitFor('the first job', async () => (await e.workspace.rows()).find((r) => r.integration.name === 'created')?.lastJob ?? undefined);
    assert.equal(first.trigger, 'scheduled');
  });

  it('a cron schedule: the expression and the time zone are checked on their own steps', async () => {
    writeJson('c-tap.json', { total: 1 });
    const running = vscode.commands.executeCommand('singer.createIntegration');
    let s = await nextStep(undefined);
    await fill(s, 'by-cron');
    s = await nextStep(s);
    await fill(s, 'python3 -c pass');
    s = await nextStep(s);
    await fill(s, '');
    s = await nextStep(s);
    await fill(s, 'python3 -c pass');
    s = await nextStep(s);
    await fill(s, '');
    s = await nextStep(s);
    const qp = s as vscode.QuickPick<vscode.QuickPickItem>;
    qp.activeItems = [qp.items.at(-1)!];
    await accept();
    s = await nextStep(s);
    await fill(s, '0 6 * *');
    await waitFor('the cron error', () => /has 4 fields/.test(String((s as vscode.InputBox).validationMessage)));
    await fill(s, '0 6 * * 1-5');
    s = await nextStep(s);
    await fill(s, 'Mars/Olympus');
    await waitFor('the time zone error', () => /Mars\/Olympus/.test(String((s as vscode.InputBox).validationMessage)));
    await fill(s, 'Europe/Berlin');
    assert.equal(await running, 'by-cron');
    const e = await entry();
    const it = (await e.workspace.rows()).find((r) => r.integration.name === 'by-cron')!;
    assert.deepEqual(it.integration.schedule, { kind: 'cron', expression: '0 6 * * 1-5', timezone: 'Europe/Berlin' });
  });
});
