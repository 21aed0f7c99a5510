/**
 * The always-visible sync state (`singer.syncState`, DESIGN §6): one line over every folder, a
 * Markdown tooltip with each integration and Start/Stop links, and the context keys that hide
 * commands which cannot apply.
 */
import * as vscode from 'vscode';
import { clock, integrationDescription, jobLabel, statusBarState, type FolderRow, type StatusBarState } from '../core/viewText';
import { COMMANDS, CONTEXT, STATUS_BAR_ID, VIEWS } from './constants';
import type { FolderEntry, Folders } from './folders';

const SEEN_KEY = 'singer.seenFailures';
const PROGRESS_EVERY_MS = 500;
const REFRESH_DEBOUNCE_MS = 80;

interface Row extends FolderRow {
  entry: FolderEntry;
}

export class SyncStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private rows: Row[] = [];
  private state: StatusBarState | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private readonly clockTimer: NodeJS.Timeout;
  private lastProgress = 0;

  constructor(
    private readonly folders: Folders,
    private readonly memento: vscode.Memento,
  ) {
    this.item = vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Singer Sync State';
    this.item.text = '$(sync) Singer';
    this.item.command = `${VIEWS.integrations}.focus`;
    this.item.show();
    this.subscriptions.push(
      folders.onDidChange(() => this.refresh()),
      folders.onDidProgress(() => this.progress()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()),
    );
    // "next 12:30" becomes "next Tue 12:30" and back as days pass; once a minute is plenty.
    this.clockTimer = setInterval(() => this.render(), 60_000);
    this.refresh();
  }

  /** The user opened a job's log: a failure they have seen no longer shows in red. */
  markSeen(folder: string, name: string, jobId: string): void {
    const seen = new Set(this.memento.get<string[]>(SEEN_KEY) ?? []);
    if (seen.has(`${folder}|${name}|${jobId}`)) return;
    seen.add(`${folder}|${name}|${jobId}`);
    // Only the newest failure per integration matters; keep the list short.
    void this.memento.update(SEEN_KEY, [...seen].slice(-200)).then(() => this.render());
  }

  refresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.folders.rows().then((all) => {
        this.rows = all.flatMap((f) => f.rows.map((row) => ({ folder: f.entry.folder.name, entry: f.entry, row })));
        this.render();
      });
    }, REFRESH_DEBOUNCE_MS);
  }

  private progress(): void {
    if (this.progressTimer) return;
    const wait = Math.max(0, this.lastProgress + PROGRESS_EVERY_MS - Date.now());
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      this.lastProgress = Date.now();
      this.render();
    }, wait);
  }

  private unseen(r: Row): boolean {
    const last = r.row.lastJob;
    if (!last) return false;
    const seen = this.memento.get<string[]>(SEEN_KEY) ?? [];
    return !seen.includes(`${r.entry.folder.uri.toString()}|${r.row.integration.name}|${last.id}`);
  }

  private render(): void {
    const now = new Date();
    const live = (r: FolderRow): Readonly<Record<string, number>> | undefined => this.folders.liveRecords((r as Row).entry, r.row.integration.name);
    const state = statusBarState(this.rows, now, (r) => this.unseen(r as Row), live);
    this.state = state;
    this.item.text = state.text;
    this.item.backgroundColor = state.kind === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    if (state.kind === 'failed') {
      const r = state.failed[0] as Row;
      this.item.command = {
        command: COMMANDS.showLog,
        title: 'Show the failed job’s log',
        arguments: [{ folder: r.entry.folder.uri.toString(), name: r.row.integration.name, job: r.row.lastJob!.id }],
      };
    } else {
      this.item.command = `${VIEWS.integrations}.focus`;
    }
    this.item.tooltip = this.tooltip(now, live);
    this.setContext();
  }

  private tooltip(now: Date, live: (r: FolderRow) => Readonly<Record<string, number>> | undefined): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: [COMMANDS.startExtraction, COMMANDS.stopExtraction, COMMANDS.showLog, `${VIEWS.integrations}.focus`] };
    md.supportThemeIcons = true;
    md.appendMarkdown('**Singer Replication**\n\n');
    if (this.rows.length === 0) md.appendMarkdown(`No integrations yet. [Create Integration](command:${COMMANDS.createIntegration})\n\n`);
    const many = this.folders.list().length > 1;
    for (const r of this.rows) {
      const it = r.row.integration;
      const arg = encodeURIComponent(JSON.stringify([{ folder: r.entry.folder.uri.toString(), name: it.name }]));
      const active = r.row.syncStatus === 'Running' || r.row.syncStatus === 'Stopping';
      const action = active ? `[$(debug-stop) Stop](command:${COMMANDS.stopExtraction}?${arg})` : `[$(play) Start](command:${COMMANDS.startExtraction}?${arg})`;
      const last = r.row.lastJob ? ` · last ${jobLabel(r.row.lastJob)}` : '';
      const next = r.row.nextRunAt && r.row.syncStatus !== 'Scheduled' ? ` · next ${clock(r.row.nextRunAt, now)}` : '';
      md.appendMarkdown(`- **${it.name}**${many ? ` (${r.folder})` : ''}: ${integrationDescription(r.row, now, live(r))}${next}${last} ${vscode.workspace.isTrusted ? action : ''}\n`);
    }
    for (const e of this.folders.list()) {
      const s = this.folders.schedulerStatus(e);
      if (s.state === 'standby') md.appendMarkdown(`\n$(info) ${e.folder.name}: schedules are driven by another process (pid ${s.holder.pid}); this window stands by and takes over when it ends.\n`);
    }
    if (!vscode.workspace.isTrusted) md.appendMarkdown('\n$(shield) Restricted Mode: no job runs until the workspace is trusted.\n');
    return md;
  }

  private setContext(): void {
    const rows = this.rows.map((r) => r.row);
    const set = (key: string, value: boolean): void => void vscode.commands.executeCommand('setContext', key, value);
    set(CONTEXT.hasIntegrations, rows.length > 0);
    set(CONTEXT.anyRunning, rows.some((r) => r.syncStatus === 'Running' || r.syncStatus === 'Stopping'));
    set(CONTEXT.anyIdle, rows.some((r) => r.syncStatus !== 'Running' && r.syncStatus !== 'Stopping'));
    set(CONTEXT.anyPaused, rows.some((r) => r.integration.paused));
    set(CONTEXT.anyActive, rows.some((r) => !r.integration.paused));
  }

  /** What the status bar shows now (the extension-host tests read it). */
  get current(): StatusBarState | undefined {
    return this.state;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.progressTimer) clearTimeout(this.progressTimer);
    clearInterval(this.clockTimer);
    this.item.dispose();
  }
}

export function registerStatusBar(context: vscode.ExtensionContext, folders: Folders): SyncStatusBar {
  const bar = new SyncStatusBar(folders, context.workspaceState);
  context.subscriptions.push(bar);
  return bar;
}
