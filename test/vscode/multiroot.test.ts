/** A multi-root workspace: a folder level above each folder's integrations, ids unique across folders. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TAP, TARGET, api, waitFor } from './helpers';

describe('several workspace folders', function () {
  this.timeout(60_000);

  it('shows a folder level, the same integration name in two folders as two items, and runs each in its own folder', async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 2, 'this pass must open a workspace of two folders');
    const a = await api();
    for (const f of folders) {
      const e = await waitFor(`the controller of ${f.name}`, () => a.folders.entryFor(f));
      fs.writeFileSync(path.join(f.uri.fsPath, 'same-tap.json'), JSON.stringify({ total: 4 }));
      fs.writeFileSync(path.join(f.uri.fsPath, 'same-target.json'), JSON.stringify({ path: path.join(f.uri.fsPath, 'out.jsonl') }));
      await e.workspace.engine.add({ name: 'same', tap: TAP, target: TARGET, tapConfig: 'same-tap.json', targetConfig: 'same-target.json', catalog: null, env: {}, schedule: { kind: 'default' }, paused: true });
    }
    const roots = await waitFor('two folder nodes', async () => {
      a.integrationsTree.refresh();
      await new Promise((r) => setTimeout(r, 150));
      const r = await a.integrationsTree.getChildren();
      return r.length === 2 && r.every((n) => n.kind === 'folder') ? r : undefined;
    });
    assert.deepEqual(roots.map((n) => a.integrationsTree.getTreeItem(n).label), folders.map((f) => f.name));
    const ids = new Set<string>();
    for (const root of roots) {
      const kids = await a.integrationsTree.getChildren(root);
      assert.equal(kids.length, 1);
      const item = a.integrationsTree.getTreeItem(kids[0]!);
      assert.equal(item.label, 'same');
      ids.add(item.id!);
    }
    assert.equal(ids.size, 2, 'tree item ids repeat across folders');

    // Start in the second folder only: its output is written there, the first one's is not.
    await vscode.commands.executeCommand('singer.startExtraction', { folder: folders[1]!.uri.toString(), name: 'same' });
    const second = a.folders.entryFor(folders[1]!)!;
    await waitFor('the job in the second folder', async () => (await second.workspace.rows())[0]?.lastJob?.status === 'Succeeded');
    assert.equal(fs.existsSync(path.join(folders[1]!.uri.fsPath, 'out.jsonl')), true);
    assert.equal(fs.existsSync(path.join(folders[0]!.uri.fsPath, 'out.jsonl')), false);
    assert.deepEqual(await a.folders.entryFor(folders[0]!)!.workspace.engine.jobs('same'), []);
  });
});
