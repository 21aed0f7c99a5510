/**
 * "Singer: Import Meltano Project" and "Singer: Export to Meltano Project", and the one-time offer to
 * import when a workspace folder has a meltano.yml and no integrations. The work is the core's
 * (src/core/meltano); this file asks, shows progress and shows the report. The core module is loaded
 * lazily: activation does not pay for the yaml parser.
 */
import * as vscode from 'vscode';
import type { Engine } from '../core/engine';
import { parseDuration } from '../core/duration';
import { COMMANDS } from './constants';
import { core } from './core';
import type { Folders } from './folders';
import type { Log } from './output';

const OFFER_KEY = 'singer.meltanoImportOffered';

/** What the Meltano commands work with: the folders' engines and the output channel. */
interface Deps {
  folders: Folders;
  log: Log;
}

function engineFor({ folders }: Deps, folder: vscode.WorkspaceFolder): Engine {
  folders.start();
  const entry = folders.entryFor(folder);
  if (!entry) throw new Error(`the folder ${folder.name} is not a local folder; Meltano projects are read from disk.`);
  return entry.workspace.engine;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function pickFolder(placeHolder: string): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder });
}


/** With a folder URI (the offer, tests) nothing is asked; from the palette the user picks the project. */
async function importMeltanoProject(deps: Deps, projectUri?: vscode.Uri, options: { quiet?: boolean } = {}): Promise<string[] | undefined> {
  const folder = projectUri ? vscode.workspace.getWorkspaceFolder(projectUri) : await pickFolder('Import into which workspace folder?');
  if (!folder) {
    void vscode.window.showErrorMessage('Import Meltano Project: open the folder of the Meltano project (or a folder that contains it) first.');
    return undefined;
  }
  const { hasMeltanoProject, importMeltanoProject: run, formatImportResult } = core().meltano;
  let projectDir = projectUri?.fsPath ?? folder.uri.fsPath;
  if (!projectUri && !hasMeltanoProject(projectDir)) {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, defaultUri: folder.uri, openLabel: 'Import this Meltano project' });
    if (!picked?.[0]) return undefined;
    projectDir = picked[0].fsPath;
  }
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Importing the Meltano project…' },
      () => run(engineFor(deps, folder), { projectDir }),
    );
    const lines = formatImportResult(result);
    if (!options.quiet) {
      deps.log.report(`Meltano import from ${projectDir}`, lines);
      void vscode.window.showInformationMessage(
        `Imported ${result.added.length} integration${result.added.length === 1 ? '' : 's'} from the Meltano project, paused so that nothing runs before you have looked. Resume them when ready.`,
      );
    }
    return lines;
  } catch (err) {
    void vscode.window.showErrorMessage(`Import Meltano Project: ${errorMessage(err)}`);
    return undefined;
  }
}

/** With names and an output folder (tests) nothing is asked. */
async function exportMeltanoProject(deps: Deps, names?: string[], outUri?: vscode.Uri, options: { quiet?: boolean } = {}): Promise<string[] | undefined> {
  const folder = await pickFolder('Export integrations of which workspace folder?');
  if (!folder) return undefined;
  const engine = engineFor(deps, folder);
  try {
    if (!names) {
      const db = await engine.read();
      if (db.integrations.length === 0) {
        void vscode.window.showInformationMessage('Export to Meltano Project: this folder has no integrations yet.');
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(
        db.integrations.map((i) => ({ label: i.name, description: `${i.tap[0]} → ${i.target[0]}`, picked: true })),
        { canPickMany: true, placeHolder: 'Integrations to export to a Meltano project' },
      );
      if (!picked || picked.length === 0) return undefined;
      names = picked.map((p) => p.label);
    }
    if (!outUri) {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, defaultUri: folder.uri, openLabel: 'Export to this folder' });
      if (!picked?.[0]) return undefined;
      outUri = picked[0];
    }
    const { exportMeltanoProject: run, formatExportResult } = core().meltano;
    const defaultFrequency = vscode.workspace.getConfiguration('singer', folder.uri).get<string>('defaultReplicationFrequency') ?? '1h';
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Exporting to a Meltano project…' }, () =>
      run(engine, { names: names!, outDir: outUri!.fsPath, defaultFrequencyMs: parseDuration(defaultFrequency) ?? 3_600_000 }),
    );
    const lines = formatExportResult(result);
    if (!options.quiet) deps.log.report(`Meltano export to ${outUri.fsPath}`, lines);
    return lines;
  } catch (err) {
    void vscode.window.showErrorMessage(`Export to Meltano Project: ${errorMessage(err)}`);
    return undefined;
  }
}

/** Offers, once per workspace, to import the Meltano project a folder holds when it has no integrations. */
async function offerImport(deps: Deps, context: vscode.ExtensionContext): Promise<void> {
  if (context.workspaceState.get<boolean>(OFFER_KEY)) return;
  const { hasMeltanoProject } = core().meltano;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (!hasMeltanoProject(folder.uri.fsPath)) continue;
    const rows = await engineFor(deps, folder)
      .read()
      .then((db) => db.integrations.length)
      .catch(() => undefined);
    if (rows === undefined || rows > 0) continue;
    await context.workspaceState.update(OFFER_KEY, true);
    const answer = await vscode.window.showInformationMessage(
      `${folder.name} holds a Meltano project. Import its pipelines as integrations? They are created paused.`,
      'Import',
      'Not Now',
    );
    if (answer === 'Import') await importMeltanoProject(deps, folder.uri);
    return;
  }
}

export function registerMeltano(context: vscode.ExtensionContext, folders: Folders, log: Log): void {
  const deps: Deps = { folders, log };
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.importMeltano, (uri?: vscode.Uri, options?: { quiet?: boolean }) => importMeltanoProject(deps, uri, options)),
    vscode.commands.registerCommand(COMMANDS.exportMeltano, (names?: string[], out?: vscode.Uri, options?: { quiet?: boolean }) =>
      exportMeltanoProject(deps, names, out, options),
    ),
  );
  // After activation, never in its way.
  setTimeout(() => void offerImport(deps, context).catch(() => undefined), 2000);
}
