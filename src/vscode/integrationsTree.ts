import * as vscode from 'vscode';
import { totalRecords } from '../core/jobs';
import type { Integration, Job } from '../core/model';
import { syncStatus, type SyncStatus } from '../core/status';
import { describeSchedule } from '../core/schedule/resolve';
import { VIEWS } from './constants';

/** The newest extraction logs shown under an integration. */
const JOBS_SHOWN = 20;

type Node =
  | { kind: 'integration'; it: Integration; jobs: Job[] }
  | { kind: 'job'; job: Job }
  | { kind: 'problem'; folder: string; message: string };

const STATUS_ICON: Record<SyncStatus, vscode.ThemeIcon> = {
  Pending: new vscode.ThemeIcon('circle-outline'),
  Running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  Stopping: new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('charts.yellow')),
  Scheduled: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  Paused: new vscode.ThemeIcon('debug-pause'),
  Failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

const JOB_ICON: Record<Job['status'], vscode.ThemeIcon> = {
  Running: new vscode.ThemeIcon('sync~spin'),
  Stopping: new vscode.ThemeIcon('debug-stop'),
  Succeeded: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  Failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  Cancelled: new vscode.ThemeIcon('circle-slash'),
  Skipped: new vscode.ThemeIcon('debug-step-over'),
  Interrupted: new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.yellow')),
};

/**
 * The Integrations view: the integrations of every workspace folder's database, read-only for now,
 * with their sync status and newest extraction logs. With no integration VS Code shows the
 * contributed welcome content ("Create Integration").
 */
export class IntegrationsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData: vscode.Event<Node | undefined> = this.changed.event;

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'integration': {
        const status = syncStatus(node.it, node.jobs);
        const item = new vscode.TreeItem(node.it.name, node.jobs.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `integration:${node.it.name}`;
        item.description = `${status} · ${describeSchedule(node.it.schedule)}`;
        item.iconPath = STATUS_ICON[status];
        item.contextValue = `integration.${status.toLowerCase()}`;
        item.tooltip = new vscode.MarkdownString(
          `**${node.it.name}** — ${status}\n\n- tap: \`${node.it.tap.join(' ')}\`\n- target: \`${node.it.target.join(' ')}\`\n- schedule: ${describeSchedule(node.it.schedule)}${node.it.paused ? ' (paused)' : ''}`,
        );
        return item;
      }
      case 'job': {
        const j = node.job;
        const item = new vscode.TreeItem(`#${Number(j.id)} ${j.status}`, vscode.TreeItemCollapsibleState.None);
        item.id = `job:${j.integration}:${j.id}`;
        const when = new Date(j.startedAt).toLocaleString();
        item.description = j.status === 'Skipped' ? `due ${when}` : `${when} · ${totalRecords(j.records).toLocaleString()} records`;
        item.iconPath = JOB_ICON[j.status];
        item.tooltip = j.error ?? undefined;
        item.contextValue = `job.${j.status.toLowerCase()}`;
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.tooltip = node.message;
        return item;
      }
    }
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.kind === 'integration') return node.jobs.slice(0, JOBS_SHOWN).map((job) => ({ kind: 'job', job }));
    if (node) return [];
    const out: Node[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const dbPath = vscode.workspace.getConfiguration('singer', folder.uri).get<string>('databasePath') ?? '.singer/db.json';
      const { readIntegrations } = await import('./readIntegrations');
      const read = await readIntegrations(folder.uri.fsPath, dbPath);
      if (read === null) continue;
      if ('problem' in read) out.push({ kind: 'problem', folder: folder.name, message: read.problem });
      else for (const { it, jobs } of read.integrations) out.push({ kind: 'integration', it, jobs });
    }
    return out;
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerIntegrationsTree(context: vscode.ExtensionContext): IntegrationsTreeProvider {
  const provider = new IntegrationsTreeProvider();
  const view = vscode.window.createTreeView(VIEWS.integrations, { treeDataProvider: provider, showCollapseAll: false });
  // Jobs run in other processes too (the CLI, other windows): the database file is the source of truth.
  const watcher = vscode.workspace.createFileSystemWatcher('**/.singer/db.json');
  const refresh = (): void => provider.refresh();
  context.subscriptions.push(provider, view, watcher, watcher.onDidChange(refresh), watcher.onDidCreate(refresh), watcher.onDidDelete(refresh));
  return provider;
}
