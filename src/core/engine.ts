/**
 * The engine of one workspace folder: integrations, jobs and state, the same for the CLI and the
 * extension. It knows Singer; the fronts only render its answers and events.
 */
import * as fs from 'node:fs';
import { DiskError, rethrowAsDiskError } from './diskErrors';
import { ExitCode, SingerError, errorMessage, usageError } from './errors';
import { TypedEmitter, type EngineEvents } from './events';
import { activeJob, newestFirst } from './jobs';
import { IntegrationSchema, INTEGRATION_NAME, isActive, type Database, type Integration, type Job, type Mapper } from './model';
import { DEFAULT_DATABASE_PATH, workspacePaths, type WorkspacePaths } from './paths';
import { reconcile, runnerGone } from './reconcile';
import { startInChild, type ChildRuntime } from './childRunner';
import { startJob, unknownIntegration, type RunContext, type RunningJob, type StartOptions } from './runner';
import { environmentSecrets, type SecretResolver } from './secrets';
import { readState } from './stateFile';
import { Store } from './store';

export interface EngineOptions {
  workspace: string;
  databasePath?: string;
  secrets?: SecretResolver;
  logRetention?: number;
  stopGracePeriodSeconds?: number;
  /**
   * The environment a job's programs inherit (the integration's `env` is added on top). The CLI passes
   * its own; the extension decides what a tap may see of the extension host's.
   */
  environment?: () => NodeJS.ProcessEnv;
  /**
   * Run each job in a child process (`singer-replication run`) instead of on this thread: for a front
   * whose event loop must stay free (the extension host). Stops and notes are passed to the child.
   */
  child?: ChildRuntime;
}

export type NewIntegration = Omit<Integration, 'createdAt' | 'anchorAt' | 'scheduleChangedAt' | 'mappers'> & { mappers?: Mapper[] };

export class Engine {
  readonly paths: WorkspacePaths;
  readonly store: Store;
  readonly events = new TypedEmitter<EngineEvents>();
  private readonly running = new Map<string, RunningJob>();
  /**
   * Starts under way (a config being read, a secret asked for, a child process starting): a stop of
   * everything here (schedule's SIGTERM, deactivation) must reach them too, once they have a job.
   */
  private readonly starting = new Set<Promise<RunningJob>>();
  /** The last reconcile warning told, so a full disk is said once, not at every refresh. */
  private lastWarning: string | undefined;
  secrets: SecretResolver;
  logRetention: number;
  stopGracePeriodSeconds: number;
  environment: () => NodeJS.ProcessEnv;
  private readonly child: ChildRuntime | undefined;
  private disposed = false;

  constructor(o: EngineOptions) {
    this.paths = workspacePaths(o.workspace, o.databasePath ?? DEFAULT_DATABASE_PATH);
    this.store = new Store(this.paths);
    this.store.onNotice = (message) => this.events.emit('notice', message);
    this.secrets = o.secrets ?? environmentSecrets();
    this.logRetention = o.logRetention ?? 100;
    this.stopGracePeriodSeconds = o.stopGracePeriodSeconds ?? 60;
    this.environment = o.environment ?? (() => process.env);
    this.child = o.child;
  }

  /** Reconciles (rule 13) and returns the database. */
  async read(): Promise<Database> {
    await this.reconcile();
    return this.store.read();
  }

  /**
   * Rule 13: marks jobs whose runner went away Interrupted (and tells the views). A database that
   * cannot be written (a full disk, a read-only folder) does not stop a read: the jobs are shown as
   * they are recorded, and the `error` event says why they were not marked (once, until it changes).
   */
  async reconcile(): Promise<Job[]> {
    let found: Job[];
    try {
      found = await reconcile(this.store, this.paths);
    } catch (err) {
      if (!(err instanceof DiskError)) throw err;
      const warning = err.rephrase('jobs whose runner went away could not be marked Interrupted, so they are shown as they were recorded').message;
      if (warning !== this.lastWarning) this.events.emit('error', warning);
      this.lastWarning = warning;
      return [];
    }
    this.lastWarning = undefined;
    for (const j of found) this.events.emit('jobInterrupted', j);
    if (found.length > 0) this.events.emit('changed');
    return found;
  }

  async integration(name: string): Promise<Integration> {
    checkName(name);
    const db = await this.read();
    const it = db.integrations.find((i) => i.name === name);
    if (!it) throw unknownIntegration(name);
    return it;
  }

  async add(input: NewIntegration): Promise<Integration> {
    checkName(input.name);
    const parsed = IntegrationSchema.safeParse({ ...input, createdAt: new Date().toISOString(), anchorAt: null, scheduleChangedAt: null });
    if (!parsed.success) throw usageError(`the integration is not valid: ${parsed.error.issues[0]?.message ?? 'unknown problem'}.`);
    const it = parsed.data;
    await this.store.update((db) => {
      if (db.integrations.some((i) => i.name === it.name)) {
        throw usageError(`an integration named "${it.name}" already exists. Choose another name, or remove it first with \`singer-replication remove ${it.name}\`.`);
      }
      db.integrations.push(it);
    });
    this.events.emit('changed');
    return it;
  }

  async updateIntegration(name: string, change: (it: Integration) => void): Promise<Integration> {
    checkName(name);
    const it = await this.store.update((db) => {
      const found = db.integrations.find((i) => i.name === name);
      if (!found) throw unknownIntegration(name);
      const before = JSON.stringify(found.schedule);
      change(found);
      if (JSON.stringify(found.schedule) !== before) found.scheduleChangedAt = new Date().toISOString();
      const valid = IntegrationSchema.safeParse(found);
      if (!valid.success) throw usageError(`the change is not valid: ${valid.error.issues[0]?.message ?? 'unknown problem'}.`);
      return { ...found };
    });
    this.events.emit('changed');
    return it;
  }

  setPaused(name: string, paused: boolean): Promise<Integration> {
    return this.updateIntegration(name, (it) => {
      if (it.paused && !paused) it.scheduleChangedAt = new Date().toISOString();
      it.paused = paused;
    });
  }

  async remove(name: string): Promise<void> {
    checkName(name);
    await this.reconcile();
    await this.store.update((db, histories) => {
      if (!db.integrations.some((i) => i.name === name)) throw unknownIntegration(name);
      const running = activeJob(db, name);
      if (running) {
        throw new SingerError(
          `${name} has a job running (job ${running.id}). Stop it first with \`singer-replication stop ${name}\`, then remove it.`,
          ExitCode.busy,
        );
      }
      db.integrations = db.integrations.filter((i) => i.name !== name);
      histories.remove(name);
    });
    try {
      fs.rmSync(this.paths.logDir(name), { recursive: true, force: true });
      fs.rmSync(this.paths.stateFile(name), { force: true });
    } catch (err) {
      rethrowAsDiskError(err, this.paths.dir, `${name} was removed, but its logs or saved state could not be deleted`);
    }
    this.events.emit('changed');
  }

  /**
   * Starts a job, on this thread or (with `child`) in a child process. A second manual job is refused
   * (rule 8), never queued.
   */
  async start(name: string, opts: StartOptions): Promise<RunningJob> {
    checkName(name);
    const pending = (async (): Promise<RunningJob> => {
      await this.reconcile();
      return this.child ? this.startInChild(name, opts) : startJob(this.runContext(), name, opts);
    })();
    this.starting.add(pending);
    let job: RunningJob;
    try {
      job = await pending;
    } finally {
      this.starting.delete(pending);
    }
    this.running.set(name, job);
    void job.done
      .finally(() => {
        if (this.running.get(name) === job) this.running.delete(name);
      })
      .catch(() => undefined);
    return job;
  }

  /** The jobs of starts under way, once they have started (a start that is refused is left out). */
  private async startsUnderWay(): Promise<RunningJob[]> {
    const settled = await Promise.allSettled([...this.starting]);
    return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  private runContext(): RunContext {
    return {
      paths: this.paths,
      store: this.store,
      events: this.events,
      secrets: this.secrets,
      environment: this.environment,
      logRetention: this.logRetention,
      stopGracePeriodSeconds: this.stopGracePeriodSeconds,
    };
  }

  private async startInChild(name: string, opts: StartOptions): Promise<RunningJob> {
    const { paths, events, secrets, environment, stopGracePeriodSeconds, logRetention } = this;
    return startInChild({ paths, events, secrets, environment, stopGracePeriodSeconds, logRetention, child: this.child! }, await this.integration(name), opts);
  }

  runningHere(): RunningJob[] {
    return [...this.running.values()];
  }

  /**
   * Stop Extraction from any process (DESIGN §5 "Who stops a job"): records the request; the
   * process running the job carries it out within a second. Resolves with the job once it has
   * ended, or undefined when nothing was running.
   */
  async stop(name: string, opts: { gracePeriodSeconds?: number; waitMs?: number } = {}): Promise<Job | undefined> {
    checkName(name);
    await this.integration(name);
    const local = this.running.get(name);
    const requested = await this.store.update((db, histories) => {
      const active = activeJob(db, name);
      const j = active && histories.jobs(name).find((x) => x.id === active.id);
      if (!j) return undefined;
      j.stopRequestedAt ??= new Date().toISOString();
      if (opts.gracePeriodSeconds !== undefined) j.stopGracePeriodSeconds = opts.gracePeriodSeconds;
      if (j.status === 'Running') j.status = 'Stopping';
      return { ...j };
    });
    if (!requested) return undefined;
    this.events.emit('jobStopping', requested);
    if (local && local.jobId === requested.id) {
      local.stop(opts.gracePeriodSeconds);
      return local.done;
    }
    return this.waitForEnd(name, requested.id, opts.waitMs);
  }

  /** Waits until a job has ended; a runner that went away meanwhile is reconciled (Interrupted). */
  async waitForEnd(name: string, id: string, waitMs = Number.POSITIVE_INFINITY): Promise<Job> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const j = await this.job(name, id);
      if (!j) throw usageError(`job ${id} of ${name} is no longer in the history.`);
      if (!isActive(j)) return j;
      if (runnerGone(j)) {
        // Marked Interrupted now; a reconcile that cannot be written (a full disk) waits like any poll.
        if ((await this.reconcile()).length > 0) continue;
      }
      if (Date.now() > deadline) return j;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** One job as recorded now (no reconcile: for views that follow a job, e.g. its log). */
  async job(name: string, id: string): Promise<Job | undefined> {
    // The last job (the one a view follows, or a stop waits for) is in db.json's summary.
    const last = (await this.store.read()).recent[name]?.last;
    if (last?.id === id) return last;
    return (await this.store.history(name)).find((j) => j.id === id);
  }

  /** An integration's extraction logs, newest first (its history file only). */
  async jobs(name: string): Promise<Job[]> {
    await this.integration(name);
    return newestFirst(await this.store.history(name));
  }

  async state(name: string): Promise<Record<string, unknown> | null> {
    await this.integration(name);
    return readState(this.paths.stateFile(name), name);
  }

  async resetState(name: string): Promise<void> {
    await this.integration(name);
    const db = await this.store.read();
    const running = activeJob(db, name);
    // A job whose runner is gone (not marked Interrupted yet: the database could not be written) writes nothing more.
    if (running && !runnerGone(running)) {
      throw new SingerError(
        `${name} has a job running (job ${running.id}); its target would write the state again. Stop it first with \`singer-replication stop ${name}\`.`,
        ExitCode.busy,
      );
    }
    try {
      fs.rmSync(this.paths.stateFile(name), { force: true });
    } catch (err) {
      rethrowAsDiskError(err, this.paths.dir, `the state of ${name} could not be reset`);
    }
    this.events.emit('changed');
  }

  /**
   * Stops every job this process runs, as Stop Extraction does (SIGTERM to `schedule`), including those
   * still starting: they are stopped as soon as they have a job, before their tap is spawned.
   */
  async stopAllHere(gracePeriodSeconds?: number): Promise<void> {
    await this.startsUnderWay();
    const jobs = this.runningHere();
    await Promise.all(
      jobs.map((j) =>
        this.stop(j.integration, gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }).catch((err: unknown) =>
          this.events.emit('error', `stopping the job of ${j.integration} failed: ${errorMessage(err)}`),
        ),
      ),
    );
  }

  /**
   * The host is going away within seconds (VS Code gives deactivation a few, not the grace period):
   * every tap here gets Stop Extraction's SIGTERM at once, with a line in its log saying why, and the
   * targets load what they got for as long as `waitMs` allows. A job run in a child process finishes
   * writing itself after we are gone; one run on this thread that has not ended by then is left to the
   * next start's reconcile (rule 13: Interrupted, leftover process groups killed).
   */
  async shutdown(why: string, waitMs: number): Promise<void> {
    const stopHere = (j: RunningJob): void => {
      j.note(`${why}: stopping the extraction; the target loads what was extracted`, 'WARNING');
      // The stop request is also written to the database, so a job that outlives us is seen as stopping.
      void this.stop(j.integration).catch((err: unknown) => this.events.emit('error', `stopping the job of ${j.integration} failed: ${errorMessage(err)}`));
    };
    const jobs = this.runningHere();
    for (const j of jobs) stopHere(j);
    // A job still starting is stopped as soon as it has one (its tap is then never spawned), even after waitMs.
    const late = this.startsUnderWay().then((started) => {
      for (const j of started) if (!jobs.includes(j)) stopHere(j);
      return started;
    });
    const ended = late.then((started) => Promise.all([...jobs, ...started].map((j) => j.done.catch(() => undefined))));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  /** Lets go of listeners; running jobs are the caller's (shutdown() first when the host goes away). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.events.dispose();
  }
}

export function checkName(name: string): void {
  if (!INTEGRATION_NAME.test(name)) {
    throw usageError(
      `"${name}" is not a valid integration name: use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit.`,
    );
  }
}
