/**
 * One workspace folder as the fronts use it: its engine, its scheduler (when the folder may run
 * programs) and the watch on its database, with their disposables. `singer-replication schedule`
 * and each VS Code window build one per folder; views read rows from it and listen to its events,
 * never to the database file themselves.
 */
import type { ChildRuntime } from './childRunner';
import { databaseFingerprint } from './fingerprint';
import { watchDatabase } from './databaseWatcher';
import { Engine } from './engine';
import { errorMessage } from './errors';
import type { Disposable, EngineEvents, TypedEmitter } from './events';
import type { LockInfo } from './lock';
import type { Database } from './model';
import { runnerGone } from './reconcile';
import { integrationRows, type IntegrationRow } from './rows';
import { Scheduler } from './schedule/driver';
import type { SecretResolver } from './secrets';
import type { SingerSettings } from './settings';

/** While another process runs a job, how often this one checks that process is still there (rule 13). */
const RUNNER_CHECK_MS = 2000;

export interface WorkspaceOptions {
  folder: string;
  settings: SingerSettings;
  secrets?: SecretResolver;
  environment?: () => NodeJS.ProcessEnv;
  /** Run a scheduler here (a trusted folder). Without one the workspace shows, stops and reconciles, but starts nothing by itself. */
  scheduling: boolean;
  /** Run jobs in child processes (see Engine's `child`). */
  child?: ChildRuntime;
}

export type SchedulerStatus = { state: 'active' } | { state: 'standby'; holder: LockInfo } | { state: 'off' };

export class Workspace implements Disposable {
  readonly engine: Engine;
  readonly events: TypedEmitter<EngineEvents>;
  private settings: SingerSettings;
  private scheduler: Scheduler | undefined;
  private watch: Disposable | undefined;
  private runnerCheck: NodeJS.Timeout | undefined;
  private fingerprint: string | undefined;
  /** Records last seen per job run elsewhere, so their progress is told as progress, not as a change. */
  private remoteRecords = new Map<string, string>();
  private disposed = false;

  constructor(private readonly options: WorkspaceOptions) {
    this.settings = options.settings;
    this.engine = new Engine({
      workspace: options.folder,
      databasePath: options.settings.databasePath,
      logRetention: options.settings.logRetention,
      stopGracePeriodSeconds: options.settings.stopGracePeriodSeconds,
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.environment ? { environment: options.environment } : {}),
      ...(options.child ? { child: options.child } : {}),
    });
    this.events = this.engine.events;
  }

  get folder(): string {
    return this.engine.paths.workspace;
  }

  /** Whether the folder has a database yet (no integration was ever created in it otherwise). */
  get hasDatabase(): boolean {
    return this.engine.store.exists();
  }

  /** Starts watching the database and, when scheduling, the scheduler (active, or standing by). */
  start(): void {
    this.watch = watchDatabase(this.engine.paths.database, () => void this.databaseChanged());
    void this.databaseChanged();
    this.setScheduling(this.options.scheduling);
  }

  /** Trust granted (or withdrawn): the scheduler starts (or stops; running jobs are left alone). */
  setScheduling(on: boolean): void {
    this.options.scheduling = on;
    if (on && !this.scheduler && this.watch) {
      this.scheduler = new Scheduler(this.engine, { defaultFrequencyMs: this.settings.defaultFrequencyMs, catchUp: this.settings.catchUp });
      this.scheduler.start();
    } else if (!on && this.scheduler) {
      this.scheduler.dispose();
      this.scheduler = undefined;
    }
  }

  /**
   * New `singer.*` values take effect at once: the scheduler re-plans for a new default frequency,
   * the next stop and job use the new grace period and retention. A new database path cannot be
   * applied in place: `reopen` says the caller must build a new Workspace.
   */
  applySettings(s: SingerSettings): { reopen: boolean } {
    if (s.databasePath !== this.settings.databasePath) return { reopen: true };
    this.settings = s;
    this.engine.logRetention = s.logRetention;
    this.engine.stopGracePeriodSeconds = s.stopGracePeriodSeconds;
    this.scheduler?.setCatchUp(s.catchUp);
    this.scheduler?.setDefaultFrequency(s.defaultFrequencyMs);
    this.events.emit('changed');
    return { reopen: false };
  }

  get currentSettings(): SingerSettings {
    return this.settings;
  }

  schedulerStatus(): SchedulerStatus {
    if (!this.scheduler) return { state: 'off' };
    if (this.scheduler.isActive) return { state: 'active' };
    const holder = this.scheduler.activeElsewhere;
    return holder ? { state: 'standby', holder } : { state: 'off' };
  }

  /** Every integration's row, after reconciling jobs whose runner went away (rule 13). */
  async rows(now = new Date()): Promise<IntegrationRow[]> {
    const db = await this.engine.read();
    return this.rowsOf(db, now);
  }

  rowsOf(db: Database, now = new Date()): IntegrationRow[] {
    const scheduler = this.scheduler?.isActive ? this.scheduler : undefined;
    // No scheduler may run here (an untrusted folder): nothing will start by itself, so no next run.
    const armed = scheduler
      ? (name: string): Date | null | undefined => scheduler.nextRunAt(name)
      : this.options.scheduling
        ? undefined
        : (): null => null;
    return integrationRows(db, {
      now,
      defaultFrequencyMs: this.settings.defaultFrequencyMs,
      catchUp: this.settings.catchUp,
      ...(armed ? { armedNextRun: armed } : {}),
    });
  }

  /** The host goes away within seconds: see Engine.shutdown. The scheduler stops first, so nothing new starts. */
  async shutdown(why: string, waitMs: number): Promise<void> {
    this.scheduler?.dispose();
    this.scheduler = undefined;
    await this.engine.shutdown(why, waitMs);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.scheduler?.dispose();
    this.scheduler = undefined;
    this.watch?.dispose();
    if (this.runnerCheck) clearInterval(this.runnerCheck);
    this.engine.dispose();
  }

  /**
   * A write to the database, by anyone. Progress of a job run elsewhere is told as jobProgress;
   * anything else as `changed` (once per write, however many fields changed).
   */
  private async databaseChanged(): Promise<void> {
    if (this.disposed || !this.engine.store.exists()) return;
    let db: Database;
    try {
      db = await this.engine.store.read();
    } catch (err) {
      // A database that does not validate is shown by the views as a problem; say it once.
      const print = `invalid:${errorMessage(err)}`;
      if (print !== this.fingerprint) {
        this.fingerprint = print;
        this.events.emit('changed');
      }
      return;
    }
    if (this.disposed) return;
    const print = databaseFingerprint(db);
    if (print !== this.fingerprint) {
      this.fingerprint = print;
      this.events.emit('changed');
    }
    const here = new Set(this.engine.runningHere().map((j) => `${j.integration}/${j.jobId}`));
    const seen = new Map<string, string>();
    let elsewhere = false;
    for (const { last: j } of Object.values(db.recent)) {
      if (j === null || (j.status !== 'Running' && j.status !== 'Stopping')) continue;
      const key = `${j.integration}/${j.id}`;
      if (here.has(key)) continue;
      elsewhere = true;
      const records = JSON.stringify(j.records);
      seen.set(key, records);
      if (this.remoteRecords.get(key) !== records) this.events.emit('jobProgress', j, j.records);
    }
    this.remoteRecords = seen;
    this.checkRunners(elsewhere);
  }

  /** A runner killed mid-job writes nothing more: look for it while jobs run elsewhere, so Interrupted shows without a write. */
  private checkRunners(needed: boolean): void {
    if (!needed) {
      if (this.runnerCheck) clearInterval(this.runnerCheck);
      this.runnerCheck = undefined;
      return;
    }
    this.runnerCheck ??= setInterval(() => {
      void this.engine.store
        .read()
        .then((db) => (Object.values(db.recent).some((r) => r.last !== null && runnerGone(r.last)) ? this.engine.reconcile() : undefined))
        .catch(() => undefined);
    }, RUNNER_CHECK_MS);
    this.runnerCheck.unref?.();
  }
}
