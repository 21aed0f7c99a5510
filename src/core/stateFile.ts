/**
 * State files (DESIGN rule 10, §5 "State as it arrives"): each state line the target emits is
 * written atomically as it arrives, throttled to a few writes a second with the last one always
 * written, so a runner killed with SIGKILL still leaves the last confirmed state.
 */
import * as fs from 'node:fs';
import { writeJsonAtomic } from './atomicFile';
import { usageError } from './errors';

/** The saved state, null when there is none; a file that does not parse refuses the run (exit 2). */
export function readState(file: string, integration: string): Record<string, unknown> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw usageError(`cannot read the state file ${file}: ${(err as Error).message}.`, err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usageError(
      `the state file ${file} of ${integration} is not valid JSON (${(err as Error).message}). Nothing was started, so no ` +
        `data is re-extracted by accident: repair the file, or run \`singer-replication state ${integration} --reset\` to start from scratch.`,
      err,
    );
  }
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw usageError(
      `the state file ${file} of ${integration} does not hold a JSON object. Repair it, or run \`singer-replication state ${integration} --reset\`.`,
    );
  }
  return value as Record<string, unknown>;
}

export interface StateWriterOptions {
  intervalMs?: number;
  /**
   * Called when a write fails (a full disk, a read-only folder), once until a write succeeds again.
   * The state is kept and written again with the next one, and at flush().
   */
  onError?: (err: Error) => void;
  /** The write itself; a test may make it fail. */
  write?: (file: string, value: unknown) => void;
}

export class ThrottledStateWriter {
  private pending: unknown = undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastWrite = 0;
  private written = 0;
  private failure: Error | undefined;
  private readonly intervalMs: number;
  private readonly write: (file: string, value: unknown) => void;

  constructor(
    private readonly file: string,
    private readonly options: StateWriterOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 250;
    this.write = options.write ?? writeJsonAtomic;
  }

  push(state: unknown): void {
    this.pending = state;
    const wait = this.lastWrite + this.intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  /**
   * Writes the newest state now; called at the end of every job whatever its outcome. Never throws:
   * false when the state could not be written (it is kept, see `unsaved`).
   */
  flush(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === undefined) return true;
    this.lastWrite = Date.now();
    try {
      this.write(this.file, this.pending);
    } catch (err) {
      const first = this.failure === undefined;
      this.failure = err as Error;
      if (first) this.options.onError?.(this.failure);
      return false;
    }
    this.pending = undefined;
    this.failure = undefined;
    this.written++;
    return true;
  }

  get writes(): number {
    return this.written;
  }

  /** The newest state the target confirmed that is not on disk (a write failed), or undefined. */
  get unsaved(): unknown {
    return this.failure === undefined ? undefined : this.pending;
  }

  /** Why the newest state is not on disk. */
  get error(): Error | undefined {
    return this.failure;
  }
}
