/** Restricted Mode (Workspace Trust): integrations and logs are shown, nothing is spawned, run commands say why. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { addFixture, api, cleanFolder, entry, folder, folderPath, waitFor } from './helpers';

describe('an untrusted workspace', function () {
  this.timeout(60_000);
  after(cleanFolder);

  it('shows its integrations, runs no scheduler and spawns nothing; Start Extraction says how to trust it', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this pass must run in Restricted Mode');
    const a = await api();
    const e = await entry();
    assert.deepEqual(e.workspace.schedulerStatus(), { state: 'off' });
    const marker = folderPath('spawned.seen.json');
    // Not paused: in a trusted folder the scheduler would start its first job at once (rule 2).
    await addFixture('untrusted', { total: 3, config_file: marker }, { paused: false });
    a.integrationsTree.refresh();
    const node = await waitFor('the tree node', () => a.integrationsTree.integrationNode(e, 'untrusted'));
    assert.equal(a.integrationsTree.getTreeItem(node).description, 'Pending');
    assert.match(String(a.treeView.message), /Restricted Mode/);
    const started = await vscode.commands.executeCommand('singer.startExtraction', { folder: folder().uri.toString(), name: 'untrusted' });
    assert.equal(started, undefined);
    assert.match(a.ui.shown.at(-1)!.text, /Start Extraction needs a trusted workspace/);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(fs.existsSync(marker), false, 'a tap ran in an untrusted workspace');
    assert.deepEqual(await e.workspace.engine.jobs('untrusted'), []);
  });
});
