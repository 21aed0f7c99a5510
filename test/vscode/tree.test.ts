import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { newJob } from '../../src/core/jobs';
import type { TreeNode } from '../../src/vscode/integrationsTree';
import { addFixture, api, cleanFolder, entry, folderPath, waitFor } from './helpers';

describe('Integrations view', () => {
  afterEach(cleanFolder);

  async function roots(): Promise<TreeNode[]> {
    const a = await api();
    a.integrationsTree.refresh();
    await new Promise((r) => setTimeout(r, 150));
    return a.integrationsTree.getChildren();
  }

  it('lists integrations with their sync status and their extraction logs, newest first, with a Show older… node past 20', async () => {
    const a = await api();
    const e = await entry();
    await addFixture('tree-demo', { total: 1 }, { everyMs: 300_000 });
    // Jobs as another process (the CLI) would have recorded them: 25 of them, the newest Skipped.
    await e.workspace.engine.store.update((db, histories) => {
      const t0 = Date.now() - 3_600_000;
      for (let i = 1; i <= 25; i++) {
        const at = new Date(t0 + i * 60_000).toISOString();
        const end = new Date(t0 + i * 60_000 + 4200).toISOString();
        histories.jobs('tree-demo').push(
          i === 25
            ? newJob({ integration: 'tree-demo', id: String(i).padStart(6, '0'), status: 'Skipped', trigger: 'scheduled', startedAt: at, endedAt: at, error: 'job 000024 still running' })
            : newJob({ integration: 'tree-demo', id: String(i).padStart(6, '0'), status: 'Succeeded', trigger: 'manual', startedAt: at, endedAt: end, records: { users: 1234 }, tapExitCode: 0, targetExitCode: 0, stateSaved: true, logFile: `.singer/logs/tree-demo/${String(i).padStart(6, '0')}.log` }),
        );
      }
      db.lastJobId['tree-demo'] = 25;
    });
    const top = await waitFor('one integration', async () => ((await roots()).length === 1 ? await roots() : undefined));
    const item = a.integrationsTree.getTreeItem(top[0]!);
    assert.equal(item.label, 'tree-demo');
    assert.equal(item.description, 'Paused');
    assert.equal(item.contextValue, 'integration.idle.paused');
    const children = await a.integrationsTree.getChildren(top[0]!);
    assert.equal(children.length, 21);
    const labels = children.slice(0, 2).map((c) => a.integrationsTree.getTreeItem(c).label);
    assert.deepEqual(labels, ['#25 Skipped', '#24 Succeeded']);
    assert.match(String(a.integrationsTree.getTreeItem(children[0]!).description), /^due \d\d:\d\d · job 24 still running$/);
    assert.match(String(a.integrationsTree.getTreeItem(children[1]!).description), /^\d\d:\d\d · 4\.2 s · 1,234 records$/);
    const older = a.integrationsTree.getTreeItem(children[20]!);
    assert.equal(older.label, 'Show older… (5 more)');
    // Clicking it shows the rest.
    await vscode.commands.executeCommand(older.command!.command, ...(older.command!.arguments ?? []));
    assert.equal((await a.integrationsTree.getChildren(top[0]!)).length, 25);
    // A log node opens its log.
    assert.equal(a.integrationsTree.getTreeItem(children[1]!).command?.command, 'singer.showLog');
    assert.equal(a.integrationsTree.getTreeItem(children[0]!).command, undefined, 'a Skipped entry has no log to open');
  });

  it('follows a database written by another process, and shows one that does not validate as a problem, leaving the file alone', async () => {
    const a = await api();
    await addFixture('other', { total: 1 });
    await waitFor('the integration', async () => (await roots()).length === 1);
    const file = folderPath('.singer', 'db.json');
    fs.writeFileSync(file, '{"version": 1, "integrations": [');
    const top = await waitFor('the problem node', async () => {
      const r = await a.integrationsTree.getChildren();
      return r[0]?.kind === 'problem' ? r : undefined;
    });
    assert.match(String(a.integrationsTree.getTreeItem(top[0]!).label), /db\.json is not valid JSON/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{"version": 1, "integrations": [');
  });
});
