/** What the engine and scheduler tell the fronts (CLI lines, VS Code views). Data flows one way. */
import { EventEmitter } from 'node:events';
import type { LockInfo } from './lock';
import type { Job, Trigger } from './model';

/** Something to let go of: a listener, a watcher, a timer. VS Code's Disposable has the same shape. */
export interface Disposable {
  dispose(): void;
}

export interface EngineEvents {
  /** Integrations or jobs changed: by this process, or by another one (seen through the database file). */
  changed: [];
  jobStarted: [job: Job];
  /** Records so far per stream: from the relay in the process that runs the job, from the database elsewhere. */
  jobProgress: [job: Job, records: Readonly<Record<string, number>>];
  /** Stop Extraction was requested (Running → Stopping). */
  jobStopping: [job: Job];
  jobEnded: [job: Job];
  jobSkipped: [job: Job];
  /** Reconcile found a job whose runner went away (rule 13). */
  jobInterrupted: [job: Job];
  /** A job the scheduler meant to start was refused before anything ran (a missing config or secret). */
  jobRefused: [integration: string, trigger: Trigger, error: Error];
  nextRun: [integration: string, at: Date | null];
  /** This process's scheduler drives the workspace now. */
  schedulerActive: [];
  /** Another process (a window, `schedule`) drives the workspace; this scheduler stands by. */
  schedulerStandby: [holder: LockInfo];
  /** Something the user should know that is not an error (a database migrated to a new layout). */
  notice: [message: string];
  /** Something went wrong that no caller awaits (a retried write, a background job's failure). */
  error: [message: string];
}

export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> implements Disposable {
  private readonly emitter = new EventEmitter();
  constructor() {
    // Every view of every folder listens; Node's leak warning at 10 would be noise.
    this.emitter.setMaxListeners(0);
  }
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): Disposable {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return { dispose: () => this.emitter.off(event, listener as (...args: unknown[]) => void) };
  }
  emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    // Node throws an `error` nobody listens to (ERR_UNHANDLED_ERROR): here it is a message to show,
    // and a front that shows none (a bare `run`) must not crash the job that reports it.
    if (event === 'error' && this.emitter.listenerCount(event) === 0) return;
    this.emitter.emit(event, ...args);
  }
  dispose(): void {
    this.emitter.removeAllListeners();
  }
}
