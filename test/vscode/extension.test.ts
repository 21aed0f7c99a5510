import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/vscode/constants';
import { EXTENSION_ID, REPO, api } from './helpers';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: Array<{ command: string; title: string; category: string }>;
    menus: Record<string, Array<{ command: string; when?: string; group?: string }>>;
  };
}
const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Manifest;

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

  it('registers every command it contributes, all in category "Singer", with the titles of DESIGN §6', async () => {
    const registered = await vscode.commands.getCommands(true);
    const contributed = new Map(manifest.contributes.commands.map((c) => [c.command, c]));
    for (const id of Object.values(COMMANDS)) {
      assert.ok(registered.includes(id), `command ${id} is not registered`);
      assert.equal(contributed.get(id)?.category, 'Singer', `${id} is not in category Singer`);
    }
    const titles: Record<string, string> = {
      'singer.startExtraction': 'Start Extraction',
      'singer.startFullReplication': 'Start Extraction (Full Re-replication)',
      'singer.stopExtraction': 'Stop Extraction',
      'singer.pauseIntegration': 'Pause Integration',
      'singer.resumeIntegration': 'Resume Integration',
      'singer.showLog': 'Show Extraction Log',
      'singer.resetState': 'Reset Replication State',
      'singer.deleteIntegration': 'Delete Integration',
      'singer.createIntegration': 'Create Integration',
      'singer.setSecret': 'Set Secret',
      'singer.deleteSecret': 'Delete Secret',
      'singer.refresh': 'Refresh',
      'singer.openSettings': 'Open Integration Settings',
    };
    for (const [id, title] of Object.entries(titles)) assert.equal(contributed.get(id)?.title, title, id);
  });

  it('hides commands that cannot apply: `when` clauses in the palette and the tree menus', () => {
    const palette = new Map(manifest.contributes.menus.commandPalette!.map((m) => [m.command, m.when ?? '']));
    assert.match(palette.get('singer.startExtraction')!, /isWorkspaceTrusted/);
    assert.match(palette.get('singer.startExtraction')!, /singer\.hasIntegrations/);
    assert.match(palette.get('singer.stopExtraction')!, /singer\.anyRunning/);
    assert.match(palette.get('singer.resumeIntegration')!, /singer\.anyPaused/);
    const items = manifest.contributes.menus['view/item/context']!;
    const inline = items.filter((m) => m.group?.startsWith('inline'));
    assert.ok(inline.some((m) => m.command === 'singer.startExtraction' && /integration\\\.idle/.test(m.when!)), 'no inline Start on idle integrations');
    assert.ok(inline.some((m) => m.command === 'singer.stopExtraction' && /integration\\\.running/.test(m.when!)), 'no inline Stop on running integrations');
    for (const id of ['singer.startExtraction', 'singer.startFullReplication', 'singer.stopExtraction', 'singer.pauseIntegration', 'singer.resumeIntegration', 'singer.showLog', 'singer.resetState', 'singer.deleteIntegration', 'singer.openSettings']) {
      assert.ok(items.some((m) => m.command === id && !m.group?.startsWith('inline')), `${id} is not in the integration's context menu`);
    }
    for (const e of ['onView:singer.integrations', 'workspaceContains:.singer/db.json', 'workspaceContains:meltano.yml', 'onCommand:singer.startExtraction']) {
      assert.ok(manifest.activationEvents.includes(e), `activation event ${e} is missing`);
    }
  });

  it('puts singer-replication on the PATH of integrated terminals, run by VS Code’s own runtime', async () => {
    const a = await api();
    assert.ok(a.cliLauncher, 'no launcher was written');
    const text = fs.readFileSync(a.cliLauncher, 'utf8');
    assert.match(text, /ELECTRON_RUN_AS_NODE=1 exec/);
    assert.ok(text.includes(process.execPath), 'the launcher does not use VS Code’s runtime');
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(a.cliLauncher, ['--help'], { encoding: 'utf8' });
    assert.match(out, /singer-replication/);
  });
});
