/** Shared by the extension-host tests: the extension's API, the test folder, fixture programs, waiting. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SingerApi } from '../../src/extension';
import type { FolderEntry } from '../../src/vscode/folders';

export const EXTENSION_ID = 'singer-replication.singer-replication';
/** dist-test/vscode/index.js → the repository. */
export const REPO = path.resolve(__dirname, '../..');
export const TAP = ['python3', path.join(REPO, 'test/fixtures/tap_fixture.py')];
export const TARGET = ['python3', path.join(REPO, 'test/fixtures/target_fixture.py')];

export async function api(): Promise<SingerApi> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return (await ext.activate()) as SingerApi;
}

export function folder(): vscode.WorkspaceFolder {
  return vscode.workspace.workspaceFolders![0]!;
}

export function folderPath(...rel: string[]): string {
  return path.join(folder().uri.fsPath, ...rel);
}

export async function entry(): Promise<FolderEntry> {
  const a = await api();
  return waitFor('the folder controller', () => a.folders.entryFor(folder()));
}

export function writeJson(rel: string, value: unknown): string {
  const f = folderPath(rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, JSON.stringify(value));
  return rel;
}

/** An integration of the fixture tap and target, paused unless asked (rule 2 would start it at once). */
export async function addFixture(name: string, tapConfig: Record<string, unknown>, o: { paused?: boolean; targetConfig?: Record<string, unknown>; everyMs?: number } = {}): Promise<string> {
  const e = await entry();
  const out = folderPath(`${name}-out.jsonl`);
  writeJson(`${name}-tap.json`, tapConfig);
  writeJson(`${name}-target.json`, { path: out, ...(o.targetConfig ?? {}) });
  await e.workspace.engine.add({
    name,
    tap: TAP,
    target: TARGET,
    tapConfig: `${name}-tap.json`,
    targetConfig: `${name}-target.json`,
    catalog: null,
    env: {},
    schedule: o.everyMs ? { kind: 'interval', everyMs: o.everyMs } : { kind: 'default' },
    paused: o.paused ?? true,
  });
  return out;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | null | Promise<T | undefined | false | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Removes the folder's .singer/ and fixture outputs between tests, leaving no job running. */
export async function cleanFolder(): Promise<void> {
  const a = await api();
  for (const e of a.folders.list()) await e.workspace.engine.stopAllHere(0);
  for (const f of fs.readdirSync(folder().uri.fsPath)) {
    if (f === '.singer' || f.endsWith('-out.jsonl') || f.endsWith('-tap.json') || f.endsWith('-target.json') || f.endsWith('.seen.json')) {
      fs.rmSync(folderPath(f), { recursive: true, force: true });
    }
  }
}

/** The step a multi-step quick input shows now, once it is a new one. */
export async function nextStep(previous: vscode.QuickInput | undefined): Promise<vscode.QuickInput> {
  const a = await api();
  return waitFor('the next quick input step', () => {
    const s = a.currentStep();
    return s && s !== previous ? s : undefined;
  });
}

/**
 * Accepts the quick input shown now, as Enter does. The extension host sends property changes
 * (value, activeItems) to the workbench on its next tick, so wait for them to arrive first.
 */
export async function accept(): Promise<void> {
  await new Promise((r) => setTimeout(r, 100));
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
}
