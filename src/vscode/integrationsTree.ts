/**
 * The Integrations view (DESIGN §6): each folder's integrations with their sync status and next run,
 * and under each its extraction logs, newest first. It renders what Folders tells it: a change
 * re-reads the rows once (debounced); a running job's progress updates only that integration's node,
 * at most twice a second.
 */
import * as vscode from 'vscode';
import { totalRecords } from '../core/jobs';
import type { Job } from '../core/model';
import type { IntegrationRow } from '../core/rows';
import type { SyncStatus } from '../core/status';
import { clock, count, integrationDescription, jobDescription, jobLabel, unpadJobIds } from '../core/viewText';
import { COMMANDS, CONTEXT, VIEWS } from './constants';
import type { FolderEntry, FolderRows, Folders } from './folders';
import type { IntegrationArg } from './pick';

/** Extraction logs shown under an integration before a "Show older…" node. */
const JOBS_SHOWN = 20;
const MORE_PER_CLICK = 50;
const PROGRESS_EVERY_MS = 500;
const REFRESH_DEBOUNCE_MS = 80;

export type TreeNode = FolderNode | IntegrationNode | JobNode | OlderNode | ProblemNode;
interface FolderNode { kind: 'folder'; entry: FolderEntry }
export interface IntegrationNode extends IntegrationArg {
  kind: 'integration';
  entry: FolderEntry;
  row: IntegrationRow;
  shown: number;
  /** Its extraction logs as last read, and the summary they were read for. */
  history?: { key: string; jobs: Job[] };
}
export interface JobNode extends IntegrationArg { kind: 'job'; entry: FolderEntry; job: Job }
interface OlderNode { kind: 'older'; parent: IntegrationNode; hidden: number }
interface ProblemNode { kind: 'problem'; entry: FolderEntry; message: string }

const STATUS_ICON: Record<SyncStatus, vscode.ThemeIcon> = {
  Pending: new vscode.ThemeIcon('circle-large-outline'),
  Running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  Stopping: new vscode.ThemeIcon('loading~spin', new vscode.ThemeColor('charts.yellow')),
  Scheduled: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  Paused: new vscode.ThemeIcon('debug-pause'),
  Failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

const JOB_ICON: Record<Job['status'], vscode.ThemeIcon> = {
  Running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  Stopping: new vscode.ThemeIcon('loading~spin', new vscode.ThemeColor('charts.yellow')),
  Succeeded: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  Failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  Cancelled: new vscode.ThemeIcon('circle-slash'),
  Skipped: new vscode.ThemeIcon('debug-step-over', new vscode.ThemeColor('disabledForeground')),
  Interrupted: new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.yellow')),
};

export class IntegrationsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** Nodes are kept across refreshes (by folder and name), so one of them can be updated alone. */
  private readonly nodes = new Map<string, IntegrationNode>();
  private snapshot: FolderRows[] | undefined;
  private reading: Promise<FolderRows[]> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly lastProgress = new Map<IntegrationNode, number>();
  private readonly progressTimers = new Map<IntegrationNode, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Full refreshes so far; the extension-host tests read it to prove progress does not rebuild. */
  refreshes = 0;

  constructor(private readonly folders: Folders) {
    this.subscriptions.push(
      folders.onDidChange(() => this.refresh()),
      folders.onDidProgress((p) => this.progress(p.entry, p.job.integration)),
    );
  }

  /**
   * Re-reads every folder's rows once, however many changes come in a burst, then tells VS Code. The
   * read happens here, not when VS Code asks, so every node (visible or not) holds the current row.
   */
  refresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.snapshot = undefined;
      this.reading = undefined;
      this.refreshes++;
      void this.read().then(
        () => this.emitter.fire(undefined),
        () => this.emitter.fire(undefined),
      );
    }, REFRESH_DEBOUNCE_MS);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.entry.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `${node.entry.folder.uri.toString()}|folder`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.resourceUri = node.entry.folder.uri;
        item.contextValue = 'folder';
        return item;
      }
      case 'integration':
        return this.integrationItem(node);
      case 'job':
        return jobItem(node);
      case 'older': {
        const item = new vscode.TreeItem(`Show older… (${node.hidden} more)`, vscode.TreeItemCollapsibleState.None);
        item.id = `${node.parent.entry.folder.uri.toString()}|older|${node.parent.name}|${node.parent.shown}`;
        item.iconPath = new vscode.ThemeIcon('history');
        item.command = { command: COMMANDS.showOlderLogs, title: 'Show older extraction logs', arguments: [node.parent] };
        item.contextValue = 'older';
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.id = `${node.entry.folder.uri.toString()}|problem`;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        item.tooltip = node.message;
        item.contextValue = 'problem';
        return item;
      }
    }
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node?.kind === 'integration') {
      const jobs = await this.history(node);
      const out: TreeNode[] = jobs.slice(0, node.shown).map((job) => ({ kind: 'job', entry: node.entry, folder: node.folder, name: node.name, job }));
      if (jobs.length > node.shown) out.push({ kind: 'older', parent: node, hidden: jobs.length - node.shown });
      return out;
    }
    if (node?.kind === 'folder') return this.folderChildren((await this.read()).find((f) => f.entry === node.entry));
    if (node) return [];
    const all = await this.read();
    if (all.length > 1) return all.map((f) => ({ kind: 'folder', entry: f.entry }));
    return this.folderChildren(all[0]);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'job') return this.nodes.get(key(node.entry, node.name));
    if (node.kind === 'older') return node.parent;
    if ((node.kind === 'integration' || node.kind === 'problem') && this.folders.list().length > 1) return { kind: 'folder', entry: node.entry };
    return undefined;
  }

  /** The integration node of a folder and name, as the tree holds it now (tests, reveal). */
  async integrationNode(folder: FolderEntry, name: string): Promise<IntegrationNode | undefined> {
    await this.read();
    return this.nodes.get(key(folder, name));
  }

  /**
   * An integration's extraction logs, newest first, read when its node is expanded and read again only
   * when its summary in db.json changed: a refresh after one job reads no other integration's history.
   */
  private async history(node: IntegrationNode): Promise<Job[]> {
    const r = node.row;
    const key = JSON.stringify([r.newestAt, r.lastJob?.id, r.lastJob?.status, r.lastJob?.endedAt]);
    if (node.history?.key === key) return node.history.jobs;
    const jobs = await node.entry.workspace.engine.jobs(r.integration.name).catch(() => []);
    node.history = { key, jobs };
    return jobs;
  }

  showOlder(node: IntegrationNode): void {
    node.shown += MORE_PER_CLICK;
    this.emitter.fire(node);
  }

  private folderChildren(f: FolderRows | undefined): TreeNode[] {
    if (!f) return [];
    if (f.problem) return [{ kind: 'problem', entry: f.entry, message: f.problem }];
    return f.rows.map((r) => this.nodes.get(key(f.entry, r.integration.name))!);
  }

  private read(): Promise<FolderRows[]> {
    if (this.snapshot) return Promise.resolve(this.snapshot);
    this.folders.start();
    this.reading ??= this.folders.rows().then((all) => {
      const alive = new Set<string>();
      for (const f of all) {
        for (const row of f.rows) {
          const k = key(f.entry, row.integration.name);
          alive.add(k);
          const existing = this.nodes.get(k);
          if (existing) existing.row = row;
          else this.nodes.set(k, { kind: 'integration', entry: f.entry, folder: f.entry.folder.uri.toString(), name: row.integration.name, row, shown: JOBS_SHOWN });
        }
      }
      for (const k of [...this.nodes.keys()]) if (!alive.has(k)) this.nodes.delete(k);
      void vscode.commands.executeCommand('setContext', CONTEXT.hasIntegrations, alive.size > 0);
      this.snapshot = all;
      return all;
    });
    return this.reading;
  }

  /** One node, at most twice a second: a 1M-record job must not flood the view. */
  private progress(entry: FolderEntry, name: string): void {
    const node = this.nodes.get(key(entry, name));
    if (!node || this.progressTimers.has(node)) return;
    const wait = (this.lastProgress.get(node) ?? 0) + PROGRESS_EVERY_MS - Date.now();
    const fire = (): void => {
      this.progressTimers.delete(node);
      this.lastProgress.set(node, Date.now());
      this.emitter.fire(node);
    };
    if (wait <= 0) fire();
    else this.progressTimers.set(node, setTimeout(fire, wait));
  }

  private integrationItem(node: IntegrationNode): vscode.TreeItem {
    const { row } = node;
    const it = row.integration;
    const now = new Date();
    const live = this.folders.liveRecords(node.entry, it.name);
    const item = new vscode.TreeItem(it.name, row.newestAt !== null ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `${node.folder}|integration|${it.name}`;
    item.description = integrationDescription(row, now, live);
    item.iconPath = STATUS_ICON[row.syncStatus];
    const state = row.syncStatus === 'Running' ? 'running' : row.syncStatus === 'Stopping' ? 'stopping' : 'idle';
    item.contextValue = `integration.${state}.${it.paused ? 'paused' : 'active'}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escape(it.name)}** — ${row.syncStatus}\n\n`);
    md.appendMarkdown(`- tap: \`${it.tap.join(' ')}\`\n- target: \`${it.target.join(' ')}\`\n`);
    md.appendMarkdown(`- schedule: ${escape(row.schedule)}${it.paused ? ' (paused)' : ''}\n`);
    if (row.nextRunAt) md.appendMarkdown(`- next run: ${clock(row.nextRunAt, now)}\n`);
    if (row.lastJob) md.appendMarkdown(`- last job: ${jobLabel(row.lastJob)}, ${count(totalRecords(live ?? row.lastJob.records))} records\n`);
    if (row.lastJob?.error) md.appendMarkdown(`\n${escape(unpadJobIds(row.lastJob.error))}\n`);
    item.tooltip = md;
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const t of this.progressTimers.values()) clearTimeout(t);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.emitter.dispose();
  }
}

function jobItem(node: JobNode): vscode.TreeItem {
  const j = node.job;
  const item = new vscode.TreeItem(jobLabel(j), vscode.TreeItemCollapsibleState.None);
  item.id = `${node.folder}|job|${node.name}|${j.id}`;
  item.description = jobDescription(j, new Date());
  item.iconPath = JOB_ICON[j.status];
  item.contextValue = `job.${j.status.toLowerCase()}${j.logFile ? '.log' : ''}`;
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escape(node.name)} ${jobLabel(j)}** (${j.trigger}${j.fullRefresh ? ', full re-replication' : ''})\n\n`);
  md.appendMarkdown(`- ${j.status === 'Skipped' ? 'due' : 'started'}: ${new Date(j.startedAt).toLocaleString()}\n`);
  if (j.endedAt && j.status !== 'Skipped') md.appendMarkdown(`- ended: ${new Date(j.endedAt).toLocaleString()}\n`);
  for (const [stream, n] of Object.entries(j.records)) md.appendMarkdown(`- ${escape(stream)}: ${count(n)} records\n`);
  if (j.error) md.appendMarkdown(`\n${escape(unpadJobIds(j.error))}\n`);
  item.tooltip = md;
  if (j.logFile) item.command = { command: COMMANDS.showLog, title: 'Show Extraction Log', arguments: [{ folder: node.folder, name: node.name, job: j.id }] };
  return item;
}

function key(entry: FolderEntry, name: string): string {
  return `${entry.folder.uri.toString()}\n${name}`;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export function registerIntegrationsTree(context: vscode.ExtensionContext, folders: Folders): { provider: IntegrationsTreeProvider; view: vscode.TreeView<TreeNode> } {
  const provider = new IntegrationsTreeProvider(folders);
  const view = vscode.window.createTreeView(VIEWS.integrations, { treeDataProvider: provider, showCollapseAll: true });
  const trustMessage = (): void => {
    view.message = vscode.workspace.isTrusted
      ? undefined
      : 'Restricted Mode: integrations and logs can be read, but no job runs until you trust this workspace.';
  };
  trustMessage();
  context.subscriptions.push(
    provider,
    view,
    vscode.workspace.onDidGrantWorkspaceTrust(trustMessage),
    vscode.commands.registerCommand(COMMANDS.refresh, () => provider.refresh()),
    vscode.commands.registerCommand(COMMANDS.showOlderLogs, (node: IntegrationNode) => provider.showOlder(node)),
  );
  return { provider, view };
}
