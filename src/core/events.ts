/** What the engine and scheduler tell the fronts (CLI lines, VS Code views). Data flows one way. */
import { EventEmitter } from 'node:events';
import type { Job } from './model';

export interface EngineEvents {
  /** Integrations or jobs changed (by this process or, seen through the file, another one). */
  changed: [];
  jobStarted: [job: Job];
  jobProgress: [job: Job, records: Readonly<Record<string, number>>];
  jobEnded: [job: Job];
  jobSkipped: [job: Job];
  nextRun: [integration: string, at: Date | null];
  /** Something went wrong that no caller awaits (a retried write, a background job's failure). */
  error: [message: string];
}

export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  private readonly emitter = new EventEmitter();
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): () => void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...args: unknown[]) => void);
  }
  emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    this.emitter.emit(event, ...args);
  }
}
