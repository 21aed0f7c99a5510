import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Engine } from '../../src/core/engine';

const PROJECT = `version: 1
default_environment: dev
environments:
- name: dev
plugins:
  extractors:
  - name: tap-fixture
    namespace: tap_fixture
    executable: tap-fixture
  loaders:
  - name: target-fixture
    namespace: target_fixture
    executable: target-fixture
jobs:
- name: nightly
  tasks:
  - tap-fixture target-fixture
schedules:
- name: nightly-schedule
  job: nightly
  interval: '0 3 * * *'
`;

describe('Meltano commands', () => {
  const folder = (): string => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  let out: string;

  before(() => {
    fs.writeFileSync(path.join(folder(), 'meltano.yml'), PROJECT);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-meltano-export-'));
  });
  after(() => {
    for (const f of ['meltano.yml', '.singer']) fs.rmSync(path.join(folder(), f), { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('are registered', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['singer.importMeltanoProject', 'singer.exportMeltanoProject']) assert.ok(all.includes(id), id);
  });

  it('Import Meltano Project creates a paused integration per pipeline, with its cron schedule', async () => {
    const lines = (await vscode.commands.executeCommand('singer.importMeltanoProject', vscode.Uri.file(folder()), { quiet: true })) as string[] | undefined;
    assert.ok(lines, 'the import reported nothing');
    assert.match(lines.join('\n'), /imported 1 integration/);
    const it = await new Engine({ workspace: folder() }).integration('nightly');
    assert.equal(it.paused, true);
    assert.deepEqual(it.schedule, { kind: 'cron', expression: '0 3 * * *', timezone: 'UTC' });
  });

  it('Export to Meltano Project writes a meltano.yml with the job and schedule', async () => {
    const lines = (await vscode.commands.executeCommand('singer.exportMeltanoProject', ['nightly'], vscode.Uri.file(out), { quiet: true })) as string[] | undefined;
    assert.ok(lines, 'the export reported nothing');
    const yml = fs.readFileSync(path.join(out, 'meltano.yml'), 'utf8');
    assert.match(yml, /name: nightly/);
    assert.match(yml, /tap-fixture/);
  });
});
