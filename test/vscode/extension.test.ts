import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'singer-replication.singer-replication';

describe('extension', () => {
  it('is installed, activates, and reports its activation time', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    const wasActive = ext.isActive;
    const started = performance.now();
    await ext.activate();
    const ms = performance.now() - started;
    assert.equal(ext.isActive, true);
    console.log(`      activation: ${wasActive ? 'already active' : `${ms.toFixed(1)} ms`} (VS Code ${vscode.version})`);
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['singer.refresh', 'singer.createIntegration']) {
      assert.ok(commands.includes(id), `command ${id} is not registered`);
    }
  });

  it('runs singer.refresh and focuses the Integrations view', async () => {
    await vscode.commands.executeCommand('singer.refresh');
    await vscode.commands.executeCommand('singer.integrations.focus');
  });

  it('runs singer.createIntegration without waiting for the user', async () => {
    await vscode.commands.executeCommand('singer.createIntegration');
  });
});
