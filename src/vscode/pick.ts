/**
 * Which integration a command acts on: the tree node (or status-bar link) it was invoked on, else one
 * the user picks among those the command applies to (Start: not running; Stop: running; …). The
 * node only names its folder and integration, so a command invoked while the tree refreshes still
 * acts on the integration as it is now.
 */
import * as vscode from 'vscode';
import type { IntegrationRow } from '../core/rows';
import { integrationDescription } from '../core/viewText';
import type { FolderEntry, Folders } from './folders';
import { ui } from './ui';

/** What tree nodes, status-bar links and tests pass to a command. */
export interface IntegrationArg {
  /** The folder's URI as a string, or its path. */
  folder: string;
  name: string;
}

export interface Target {
  entry: FolderEntry;
  row: IntegrationRow;
}

export interface PickOptions {
  applies: (row: IntegrationRow) => boolean;
  placeHolder: string;
  /** Said when no integration applies, e.g. "No integration is running." */
  none: string;
  /** Skip the pick when exactly one integration applies (Stop: its modal names it). */
  skipWhenOne?: boolean;
}

export function isIntegrationArg(arg: unknown): arg is IntegrationArg {
  return typeof arg === 'object' && arg !== null && typeof (arg as IntegrationArg).folder === 'string' && typeof (arg as IntegrationArg).name === 'string';
}

export async function resolveTarget(folders: Folders, arg: unknown, o: PickOptions): Promise<Target | undefined> {
  if (isIntegrationArg(arg)) {
    const entry = folders.entryFor(arg.folder) ?? folders.list().find((e) => e.folder.uri.fsPath === arg.folder);
    if (!entry) {
      void ui.message('error', `Singer: the folder ${arg.folder} is not open in this window.`);
      return undefined;
    }
    const row = (await entry.workspace.rows()).find((r) => r.integration.name === arg.name);
    if (!row) {
      void ui.message('error', `Singer: there is no integration named "${arg.name}" in ${entry.folder.name} any more.`);
      return undefined;
    }
    return { entry, row };
  }
  const all = await folders.rows();
  const candidates: Target[] = all.flatMap((f) => f.rows.filter(o.applies).map((row) => ({ entry: f.entry, row })));
  if (candidates.length === 0) {
    void ui.message('info', o.none);
    return undefined;
  }
  if (candidates.length === 1 && o.skipWhenOne) return candidates[0];
  const many = folders.list().length > 1;
  const now = new Date();
  const picked = await vscode.window.showQuickPick(
    candidates.map((t) => ({
      label: t.row.integration.name,
      description: `${many ? `${t.entry.folder.name} · ` : ''}${integrationDescription(t.row, now, folders.liveRecords(t.entry, t.row.integration.name))}`,
      detail: `${t.row.integration.tap.join(' ')} → ${t.row.integration.target.join(' ')} · ${t.row.schedule}`,
      target: t,
    })),
    { placeHolder: o.placeHolder, matchOnDescription: true },
  );
  return picked?.target;
}

export function argOf(t: Target): IntegrationArg {
  return { folder: t.entry.folder.uri.toString(), name: t.row.integration.name };
}
