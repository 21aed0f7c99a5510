/**
 * The scheduler that drives one workspace (DESIGN rules 2-8): one timer per integration armed for its
 * next start (no polling loop), re-planned whenever an integration, a job or a setting changes, here
 * or in another process (the engine's `changed` event; `Workspace` watches the database file). Only
 * one scheduler drives a workspace at a time; the others stand by and take over, as a new activation,
 * when the holder goes away. Everything it decides is told through the engine's events.
 */
import type { Engine } from '../engine';
import { DiskError } from '../diskErrors';
import { BusyError, errorMessage } from '../errors';
import type { Disposable } from '../events';
import { deleteLogs } from '../jobRecord';
import { newJob, nextJobId, trimHistory } from '../jobs';
import { FileLock, type LockInfo } from '../lock';
import type { Database, Integration, Job } from '../model';
import { planInputFor } from './inputs';
import { plan, type Plan } from './plan';

/** setTimeout's longest delay; a timer further out is re-armed when it fires. */
const MAX_TIMER_MS = 2_147_000_000;
/** How often a standby scheduler checks whether the active one is still there. */
const STANDBY_CHECK_MS = 1000;
/** Coalesces bursts of changes (a running job writes progress) into one re-plan. */
const REPLAN_DEBOUNCE_MS = 150;
/**
 * Timers count monotonic time, which stops while the computer sleeps: the wall clock is compared with
 * it this often (one timer, no measurable CPU), and a jump re-plans at once instead of when the old
 * timer finally fires (an hour late for an hourly job after a long sleep, a day for a daily one).
 */
const CLOCK_CHECK_MS = 30_000;
const CLOCK_JUMP_MS = 5_000;

/** The two clocks the scheduler compares; injected by tests to make the computer "sleep". */
export interface SchedulerClock {
  /** Wall-clock time, epoch milliseconds (Date.now). */
  wallMs(): number;
  /** Monotonic time, which stops while the computer sleeps (performance.now). */
  monoMs(): number;
  /** How often the two are compared; CLOCK_CHECK_MS unless a test wants it sooner. */
  checkEveryMs?: number;
}

const SYSTEM_CLOCK: SchedulerClock = { wallMs: () => Date.now(), monoMs: () => performance.now() };

export interface SchedulerOptions {
  defaultFrequencyMs: number;
  catchUp: 'once' | 'skip';
  /** The real clocks unless given. */
  clock?: SchedulerClock;
}

export class Scheduler {
  private readonly lock: FileLock;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly nextRuns = new Map<string, Date | null>();
  /** Set when this scheduler becomes active: the next full plan is an activation (catch-up, rule 7). */
  private activationPending = false;
  /** Set when the wall clock jumped ahead (the computer slept): the next full plan catches up as rule 7 says. */
  private resumePending = false;
  /** Both clocks at the last comparison. */
  private clockBase = { wall: 0, mono: 0 };
  /** Integrations whose timer fired and that wait to be planned together. */
  private readonly due = new Set<string>();
  private defaultChangedAt: Date | null = null;
  private standbyTimer: NodeJS.Timeout | undefined;
  private clockTimer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private subscriptions: Disposable[] = [];
  private holder: LockInfo | undefined;
  /** Why the scheduler lock could not be made, as last told. */
  private cannotRun: string | undefined;
  private planning: Promise<void> = Promise.resolve();
  private replanRequested = false;
  private active = false;
  private stopped = false;

  constructor(
    private readonly engine: Engine,
    private options: SchedulerOptions,
  ) {
    this.lock = new FileLock(engine.paths.schedulerLock);
  }

  get isActive(): boolean {
    return this.active;
  }

  /** The scheduler of another process that drives the workspace while this one stands by. */
  get activeElsewhere(): LockInfo | undefined {
    return this.active ? undefined : this.holder;
  }

  /** The next start the scheduler armed for an integration (null: paused or none). */
  nextRunAt(name: string): Date | null | undefined {
    return this.nextRuns.get(name);
  }

  /** Becomes the active scheduler, or stands by until the active one goes away. */
  start(): void {
    this.stopped = false;
    this.tryBecomeActive();
  }

  setDefaultFrequency(ms: number): void {
    if (ms === this.options.defaultFrequencyMs) return;
    this.options = { ...this.options, defaultFrequencyMs: ms };
    this.defaultChangedAt = this.now();
    this.requestReplan();
  }

  setCatchUp(catchUp: 'once' | 'skip'): void {
    this.options = { ...this.options, catchUp };
  }

  /** Stops scheduling; running jobs are left to the caller (Stop Extraction for deactivation). */
  dispose(): void {
    this.stopped = true;
    this.active = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.standbyTimer) clearInterval(this.standbyTimer);
    this.standbyTimer = undefined;
    if (this.clockTimer) clearInterval(this.clockTimer);
    if (this.debounce) clearTimeout(this.debounce);
    for (const d of this.subscriptions) d.dispose();
    this.subscriptions = [];
    this.lock.release();
  }

  private get clock(): SchedulerClock {
    return this.options.clock ?? SYSTEM_CLOCK;
  }

  private now(): Date {
    return new Date(this.clock.wallMs());
  }

  private tryBecomeActive(): void {
    if (this.stopped) return;
    let got: ReturnType<FileLock['tryAcquire']>;
    try {
      got = this.lock.tryAcquire('scheduler');
    } catch (err) {
      // A folder that may not be written (or a full disk) runs no scheduler here: it could record
      // nothing. Said once; tried again every second in case it becomes writable.
      const why = `scheduler: ${err instanceof DiskError ? err.rephrase('no scheduler can run here, so no job starts by itself').message : errorMessage(err)}`;
      if (why !== this.cannotRun) this.engine.events.emit('error', why);
      this.cannotRun = why;
      this.standbyTimer ??= setInterval(() => this.tryBecomeActive(), STANDBY_CHECK_MS);
      return;
    }
    this.cannotRun = undefined;
    if (!got.ok) {
      const changed = this.holder?.pid !== got.holder.pid;
      this.holder = got.holder;
      if (!this.standbyTimer) this.standbyTimer = setInterval(() => this.tryBecomeActive(), STANDBY_CHECK_MS);
      if (changed) this.engine.events.emit('schedulerStandby', got.holder);
      return;
    }
    if (this.standbyTimer) clearInterval(this.standbyTimer);
    this.standbyTimer = undefined;
    this.holder = undefined;
    this.active = true;
    this.activationPending = true;
    this.subscriptions.push(
      this.engine.events.on('changed', () => this.requestReplan()),
      this.engine.events.on('jobEnded', () => this.requestReplan()),
    );
    this.watchClock();
    this.engine.events.emit('schedulerActive');
    this.requestReplan();
  }

  /** A wall-clock jump (sleep, a clock change) is seen within CLOCK_CHECK_MS: one timer, almost no CPU. */
  private watchClock(): void {
    this.clockBase = { wall: this.clock.wallMs(), mono: this.clock.monoMs() };
    this.clockTimer = setInterval(() => this.checkClock(), this.clock.checkEveryMs ?? CLOCK_CHECK_MS);
    this.clockTimer.unref?.();
  }

  /**
   * Compares the clocks; on a jump re-plans everything at once (true). A jump ahead means the
   * computer slept: that plan records what was missed and catches up as rule 7 says.
   */
  private checkClock(): boolean {
    const wall = this.clock.wallMs();
    const mono = this.clock.monoMs();
    const drift = wall - this.clockBase.wall - (mono - this.clockBase.mono);
    this.clockBase = { wall, mono };
    if (Math.abs(drift) <= CLOCK_JUMP_MS) return false;
    this.engine.events.emit('error', `the wall clock jumped ${Math.round(drift / 1000)} s (the computer slept, or the clock was set): re-planning every schedule`);
    if (drift > 0) this.resumePending = true;
    this.replanAll();
    return true;
  }

  requestReplan(): void {
    if (!this.active) return;
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.replanAll();
    }, REPLAN_DEBOUNCE_MS);
  }

  /** Serialised: a plan never overlaps another, and a request during one runs once more after it. */
  private replanAll(): void {
    if (this.replanRequested) return;
    this.replanRequested = true;
    this.planning = this.planning.then(async () => {
      this.replanRequested = false;
      if (!this.active) return;
      try {
        await this.planEverything();
      } catch (err) {
        this.engine.events.emit('error', `scheduler: ${errorMessage(err)}`);
      }
    });
  }

  /**
   * A timer fired: only its integration is due, so only it is planned. Timers that fire together
   * (500 integrations on the same minute) are planned together, their jobs started side by side.
   */
  private replanOne(name: string): void {
    this.due.add(name);
    if (this.due.size > 1) return;
    setImmediate(() => {
      this.planning = this.planning.then(async () => {
        const names = [...this.due];
        this.due.clear();
        if (!this.active) return;
        try {
          const db = await this.engine.read();
          await Promise.all(
            names.map((n) => {
              const it = db.integrations.find((i) => i.name === n);
              return it ? this.planOne(db, it, false).catch((err: unknown) => this.failed(n, err)) : undefined;
            }),
          );
        } catch (err) {
          this.engine.events.emit('error', `scheduler: ${errorMessage(err)}`);
        }
      });
    });
  }

  private async planEverything(): Promise<void> {
    const db = await this.engine.read();
    const activation = this.activationPending;
    const resumed = this.resumePending;
    this.resumePending = false;
    const names = new Set(db.integrations.map((i) => i.name));
    for (const name of [...this.timers.keys()]) {
      if (!names.has(name)) {
        clearTimeout(this.timers.get(name));
        this.timers.delete(name);
        this.nextRuns.delete(name);
      }
    }
    // Not one after the other: 500 due integrations must not wait for each other's job start.
    // The store queues their writes; the engine's locks keep each integration to one job.
    await Promise.all(
      db.integrations.map((it) => this.planOne(db, it, activation, resumed).catch((err: unknown) => this.failed(it.name, err))),
    );
    this.activationPending = false;
  }

  private async planOne(db: Database, it: Integration, activation: boolean, resumed = false): Promise<void> {
    const p = plan(
      planInputFor(db, it, {
        now: this.now(),
        activation,
        resumed,
        catchUp: this.options.catchUp,
        defaultFrequencyMs: this.options.defaultFrequencyMs,
        defaultChangedAt: this.defaultChangedAt,
      }),
    );
    await this.carryOut(it.name, p);
  }

  private async carryOut(name: string, p: Plan): Promise<void> {
    if (p.skipped.length > 0 || p.omitted) await this.recordSkipped(name, p);
    let next = p.nextRunAt;
    if (p.start) {
      try {
        await this.engine.start(name, { trigger: p.start });
      } catch (err) {
        if (err instanceof BusyError) {
          // Another process started a job a moment ago: the next plan sees it and skips as rule 4 says.
          next = new Date(this.now().getTime() + 1000);
        } else {
          // A refused start (a config file gone, a corrupt state, a secret not set) must not retry in a
          // tight loop: the next recurrence tries again; a Failed entry is not recorded since nothing ran.
          this.engine.events.emit('jobRefused', name, p.start, err instanceof Error ? err : new Error(String(err)));
        }
      }
    }
    this.arm(name, next);
  }

  private async recordSkipped(name: string, p: Plan): Promise<void> {
    let removed: Job[] = [];
    const recorded = await this.engine.store.update((db, histories) => {
      if (!db.integrations.some((i) => i.name === name)) return [];
      const out: Job[] = [];
      const entries = p.omitted
        ? [
            {
              dueAt: p.omitted.firstDueAt,
              reason: `${p.omitted.count ?? 'many'} recurrences from ${p.omitted.firstDueAt.toISOString()} to ${p.omitted.lastDueAt.toISOString()} skipped: ${p.omitted.reason}`,
            },
            ...p.skipped,
          ]
        : p.skipped;
      const history = histories.jobs(name);
      for (const s of entries) {
        const due = s.dueAt.toISOString();
        const job = newJob({ integration: name, id: nextJobId(db, name, history), status: 'Skipped', trigger: 'scheduled', startedAt: due, endedAt: due, error: s.reason });
        history.push(job);
        out.push(job);
      }
      removed = trimHistory(history, this.engine.logRetention);
      return out;
    });
    // Skipped entries count against the history kept: the logs of the jobs they pushed out go too.
    deleteLogs(this.engine.paths, removed);
    for (const j of recorded) this.engine.events.emit('jobSkipped', j);
    if (recorded.length) this.engine.events.emit('changed');
  }

  private failed(name: string, err: unknown): void {
    this.engine.events.emit('error', `${name}: ${errorMessage(err)}`);
  }

  private arm(name: string, at: Date | null): void {
    const old = this.timers.get(name);
    if (old) clearTimeout(old);
    this.timers.delete(name);
    const previous = this.nextRuns.get(name);
    this.nextRuns.set(name, at);
    if ((previous?.getTime() ?? null) !== (at?.getTime() ?? null)) this.engine.events.emit('nextRun', name, at);
    if (at === null || !this.active) return;
    const delay = Math.min(Math.max(at.getTime() - this.now().getTime(), 0), MAX_TIMER_MS);
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        // Woken from sleep before the clock check ran: everything is re-planned as after a sleep.
        if (!this.checkClock()) this.replanOne(name);
      }, delay),
    );
  }
}

