/**
 * Errors the user can act on. Each carries the exit code the CLI uses (DESIGN §5) and a sentence
 * saying what to do, so every front (CLI, VS Code) shows the same advice.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  cancelled: 3,
  busy: 4,
  nothingRunning: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class SingerError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.usage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SingerError';
  }
}

/** Refused input or configuration: nothing was spawned, nothing written (exit 2). */
export function usageError(message: string, cause?: unknown): SingerError {
  return new SingerError(message, ExitCode.usage, { cause });
}

/** A job of the integration is already running (exit 4). */
export class BusyError extends SingerError {
  constructor(
    message: string,
    readonly jobId: string | null,
  ) {
    super(message, ExitCode.busy);
    this.name = 'BusyError';
  }
}

/** A config refers to a secret that is not set (exit 2, nothing spawned); the front offers to set it. */
export class MissingSecretError extends SingerError {
  constructor(
    message: string,
    readonly secret: string,
  ) {
    super(message, ExitCode.usage);
    this.name = 'MissingSecretError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
