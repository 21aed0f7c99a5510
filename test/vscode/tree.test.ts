import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Engine } from '../../src/core/engine';
import { newJob } from '../../src/core/jobs';
import type { SingerApi } from '../../src/extension';

describe('Integrations view', () => {
  const folder = (): string => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

  after(() => fs.rmSync(path.join(folder(), '.singer'), { recursive: true, force: true }));

  it('lists the integrations of the workspace database with their sync status and extraction logs', async () => {
    const api = (await vscode.extensions.getExtension('singer-replication.singer-replication')!.activate()) as SingerApi;
    const engine = new Engine({ workspace: folder() });
    await engine.add({ name: 'tree-demo', tap: ['tap-x'], target: ['target-y'], tapConfig: null, targetConfig: null, catalog: null, env: {}, schedule: { kind: 'interval', everyMs: 300_000 }, paused: true });
    // A job as another process (the CLI) would have recorded it.
    await engine.store.update((db) => {
      const now = new Date().toISOString();
      db.jobs.push(
        newJob({ integration: 'tree-demo', id: '000001', status: 'Succeeded', trigger: 'manual', startedAt: now, endedAt: now, records: { users: 1234 }, tapExitCode: 0, targetExitCode: 0, stateSaved: true }),
      );
    });
    const tree = api.integrationsTree;
    const roots = await tree.getChildren();
    assert.equal(roots.length, 1);
    const item = tree.getTreeItem(roots[0]!);
    assert.equal(item.label, 'tree-demo');
    assert.equal(item.description, 'Paused · every 5m');
    const jobs = await tree.getChildren(roots[0]!);
    const jobItem = tree.getTreeItem(jobs[0]!);
    assert.equal(jobItem.label, '#1 Succeeded');
    assert.match(String(jobItem.description), /1,234 records/);
  });

  it('shows a database that does not validate as a problem, and leaves the file alone', async () => {
    const api = (await vscode.extensions.getExtension('singer-replication.singer-replication')!.activate()) as SingerApi;
    const file = path.join(folder(), '.singer', 'db.json');
    fs.writeFileSync(file, '{"version": 1, "integrations": [');
    const roots = await api.integrationsTree.getChildren();
    assert.equal(roots.length, 1);
    assert.match(String(api.integrationsTree.getTreeItem(roots[0]!).label), /db\.json is not valid JSON/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{"version": 1, "integrations": [');
  });
});
