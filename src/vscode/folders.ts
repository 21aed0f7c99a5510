/**
 * One controller per workspace folder: a core Workspace (engine, scheduler, database watch) built
 * when the folder opens and disposed when it closes, with the folder's `singer.*` settings, secrets
 * from SecretStorage and Workspace Trust. The views render what this file tells them; none of them
 * reads the database itself.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IntegrationRow } from '../core/rows';
import type { Job, Trigger } from '../core/model';
import type { SingerSettings } from '../core/settings';
import type { SchedulerStatus, Workspace } from '../core/workspace';
import { core } from './core';
import { jobEnvironment } from './jobEnvironment';
import type { Log } from './output';

/** The setting keys this extension contributes that the engine reads (package.json `singer.*`). */
const ENGINE_SETTINGS = ['databasePath', 'defaultReplicationFrequency', 'stopGracePeriodSeconds', 'catchUp', 'logRetention'] as const;
/** VS Code gives deactivation a few seconds: the targets get this long to load what they got. */
const SHUTDOWN_WAIT_MS = 3000;

export interface FolderEntry {
  readonly folder: vscode.WorkspaceFolder;
  readonly workspace: Workspace;
}

export interface FolderRows {
  entry: FolderEntry;
  rows: IntegrationRow[];
  /** Why the folder's integrations cannot be shown (a database that does not validate). */
  problem?: string;
}

/** A job event with the folder it happened in, for notifications and the views. */
export type JobEvent =
  | { kind: 'started' | 'ended' | 'skipped' | 'interrupted' | 'stopping'; entry: FolderEntry; job: Job }
  | { kind: 'refused'; entry: FolderEntry; integration: string; trigger: Trigger; error: Error };

export interface Progress {
  entry: FolderEntry;
  job: Job;
  records: Readonly<Record<string, number>>;
}

export class Folders implements vscode.Disposable {
  private readonly entries = new Map<string, FolderEntry & { subscriptions: Array<{ dispose(): void }> }>();
  private readonly live = new Map<string, Readonly<Record<string, number>>>();
  private readonly changed = new vscode.EventEmitter<FolderEntry | undefined>();
  /** The rows as last read, shared by every view until the next change (one read per change, not one per view). */
  private cachedRows: Promise<FolderRows[]> | undefined;
  private readonly progressed = new vscode.EventEmitter<Progress>();
  private readonly jobEvents = new vscode.EventEmitter<JobEvent>();
  private readonly disposables: vscode.Disposable[] = [];
  private started = false;
  /** Something changed in a folder (integrations, jobs, settings, trust): views re-read their rows. */
  readonly onDidChange = this.changed.event;
  /** Records so far of a running job: views update that one node, never rebuild. */
  readonly onDidProgress = this.progressed.event;
  readonly onJobEvent = this.jobEvents.event;

  constructor(
    private readonly secrets: (name: string) => Promise<string | undefined>,
    private readonly log: Log,
    /** The extension's folder: jobs run as its dist/cli.js, in child processes of VS Code's own runtime. */
    private readonly extensionPath: string,
  ) {}

  /** Builds the controllers; called just after activation has returned, so loading the engine is not in its way. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const f of vscode.workspace.workspaceFolders ?? []) this.open(f);
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.close(f);
        for (const f of e.added) this.open(f);
        this.fireChanged(undefined);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        for (const entry of [...this.entries.values()]) {
          if (!e.affectsConfiguration('singer', entry.folder.uri)) continue;
          const { reopen } = entry.workspace.applySettings(this.settingsFor(entry.folder));
          if (reopen) {
            this.log.info(`${entry.folder.name}: singer.databasePath changed; opening the new database`);
            this.close(entry.folder);
            this.open(entry.folder);
          }
          this.fireChanged(entry);
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.log.info('the workspace is trusted now: starting the schedulers');
        for (const entry of this.entries.values()) entry.workspace.setScheduling(true);
        this.fireChanged(undefined);
      }),
    );
    this.fireChanged(undefined);
  }

  private fireChanged(entry: FolderEntry | undefined): void {
    this.cachedRows = undefined;
    this.changed.fire(entry);
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  list(): FolderEntry[] {
    return [...this.entries.values()];
  }

  entryFor(folder: vscode.WorkspaceFolder | vscode.Uri | string): FolderEntry | undefined {
    const key = typeof folder === 'string' ? folder : 'uri' in folder ? folder.uri.toString() : folder.toString();
    return this.entries.get(key);
  }

  /** Every folder's rows (after reconcile, rule 13); a folder whose database does not validate gives its problem. */
  rows(): Promise<FolderRows[]> {
    this.cachedRows ??= this.readRows();
    return this.cachedRows;
  }

  private readRows(): Promise<FolderRows[]> {
    return Promise.all(
      this.list().map(async (entry): Promise<FolderRows> => {
        if (!entry.workspace.hasDatabase) return { entry, rows: [] };
        try {
          return { entry, rows: await entry.workspace.rows() };
        } catch (err) {
          return { entry, rows: [], problem: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }

  /** The records so far of the job an integration runs, as the relay (or the database) last told. */
  liveRecords(entry: FolderEntry, name: string): Readonly<Record<string, number>> | undefined {
    return this.live.get(liveKey(entry, name));
  }

  schedulerStatus(entry: FolderEntry): SchedulerStatus {
    return entry.workspace.schedulerStatus();
  }

  settingsFor(folder: vscode.WorkspaceFolder): SingerSettings {
    const config = vscode.workspace.getConfiguration('singer', folder.uri);
    const raw: Record<string, unknown> = {};
    for (const key of ENGINE_SETTINGS) raw[`singer.${key}`] = config.get(key);
    try {
      return core().settingsFrom(raw, `the settings of ${folder.name}`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(message);
      void vscode.window.showErrorMessage(`Singer: ${message} The defaults are used until it is fixed.`, 'Open Settings').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'singer.');
      });
      return { ...core().DEFAULT_SETTINGS };
    }
  }

  private open(folder: vscode.WorkspaceFolder): void {
    if (folder.uri.scheme !== 'file') return; // the engine runs programs on this machine's files
    const { Workspace } = core();
    const workspace = new Workspace({
      folder: folder.uri.fsPath,
      settings: this.settingsFor(folder),
      secrets: this.secrets,
      environment: () => jobEnvironment(),
      // Jobs run in child processes (the CLI's `run`), so relaying a million records never holds up
      // this extension host, at below-normal priority so that VS Code gets the CPU first when both
      // want it; they also finish writing themselves if the window goes away.
      child: { runtime: process.execPath, cli: path.join(this.extensionPath, 'dist', 'cli.js'), priority: os.constants.priority.PRIORITY_BELOW_NORMAL },
      // Untrusted folders show their integrations and logs, but run no scheduler and spawn nothing.
      scheduling: vscode.workspace.isTrusted,
    });
    const entry = { folder, workspace, subscriptions: [] as Array<{ dispose(): void }> };
    const ev = workspace.events;
    const job = (kind: 'started' | 'ended' | 'skipped' | 'interrupted' | 'stopping') => (j: Job) => this.jobEvents.fire({ kind, entry, job: j });
    entry.subscriptions.push(
      ev.on('changed', () => this.fireChanged(entry)),
      ev.on('jobStarted', (j) => {
        this.live.set(liveKey(entry, j.integration), {});
        job('started')(j);
        this.fireChanged(entry);
      }),
      ev.on('jobProgress', (j, records) => {
        this.live.set(liveKey(entry, j.integration), records);
        this.progressed.fire({ entry, job: j, records });
      }),
      ev.on('jobStopping', (j) => {
        job('stopping')(j);
        this.fireChanged(entry);
      }),
      ev.on('jobEnded', (j) => {
        this.live.delete(liveKey(entry, j.integration));
        this.log.info(`${folder.name}/${j.integration}: job ${j.id} ended ${j.status}${j.error ? `: ${j.error}` : ''}`);
        job('ended')(j);
      }),
      ev.on('jobSkipped', (j) => {
        this.log.info(`${folder.name}/${j.integration}: recurrence due ${j.startedAt} skipped: ${j.error ?? ''}`);
        job('skipped')(j);
      }),
      ev.on('jobInterrupted', (j) => {
        this.live.delete(liveKey(entry, j.integration));
        this.log.warn(`${folder.name}/${j.integration}: job ${j.id} Interrupted: ${j.error ?? ''}`);
        job('interrupted')(j);
      }),
      ev.on('jobRefused', (integration, trigger, error) => {
        this.log.error(`${folder.name}/${integration}: the ${trigger} job was not started: ${error.message}`);
        this.jobEvents.fire({ kind: 'refused', entry, integration, trigger, error });
      }),
      ev.on('nextRun', (name, at) => {
        this.log.debug(`${folder.name}/${name}: next run ${at ? at.toISOString() : 'none'}`);
        this.fireChanged(entry);
      }),
      ev.on('schedulerActive', () => {
        this.log.info(`${folder.name}: this window's scheduler drives the folder`);
        this.fireChanged(entry);
      }),
      ev.on('schedulerStandby', (h) => {
        this.log.info(`${folder.name}: another process (pid ${h.pid}) drives the folder's schedules; this window stands by`);
        this.fireChanged(entry);
      }),
      ev.on('error', (message) => this.log.error(`${folder.name}: ${message}`)),
      ev.on('notice', (message) => this.log.info(`${folder.name}: ${message}`)),
    );
    this.entries.set(folder.uri.toString(), entry);
    workspace.start();
  }

  private close(folder: vscode.WorkspaceFolder): void {
    const entry = this.entries.get(folder.uri.toString());
    if (!entry) return;
    this.entries.delete(folder.uri.toString());
    for (const s of entry.subscriptions) s.dispose();
    // Jobs of a removed folder are stopped as at deactivation; the next open reconciles what is left.
    void entry.workspace.shutdown('the folder was removed from the window', SHUTDOWN_WAIT_MS).finally(() => entry.workspace.dispose());
  }

  /** Deactivation: every running tap gets SIGTERM at once, the targets get a few seconds (rule 13 does the rest). */
  async shutdown(): Promise<void> {
    await Promise.all(this.list().map((e) => e.workspace.shutdown('VS Code is closing this window', SHUTDOWN_WAIT_MS).catch(() => undefined)));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const entry of this.entries.values()) {
      for (const s of entry.subscriptions) s.dispose();
      entry.workspace.dispose();
    }
    this.entries.clear();
    this.changed.dispose();
    this.progressed.dispose();
    this.jobEvents.dispose();
  }
}

function liveKey(entry: FolderEntry, name: string): string {
  return `${entry.folder.uri.toString()}\n${name}`;
}
