/**
 * How a spawned program started and ended, shared by the pipeline's tap and target and the mapper
 * stages between them, so each says "exit code 2" or "killed by SIGTERM" the same way, and quotes the
 * same last lines of its stderr in the job's error.
 */
import type { ChildProcess } from 'node:child_process';
import { exitCodeOf } from './process';

/** How many of a program's last stderr lines are kept for the job's error. */
const ERROR_TAIL_LINES = 20;

/** Adds a stderr line to a program's tail, keeping the last ERROR_TAIL_LINES. */
export function keepTail(tail: string[], line: string): void {
  tail.push(line);
  if (tail.length > ERROR_TAIL_LINES) tail.shift();
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Resolves once the process has exited (at once when it already has). */
export function exited(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Resolves null once the process runs, or the error message when it could not be spawned. */
export function spawned(child: ChildProcess): Promise<string | null> {
  return new Promise((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', (err) => resolve(err.message));
  });
}

export function describeExit(e: Exit): string {
  const code = exitCodeOf(e.code, e.signal);
  return e.signal ? `killed by ${e.signal}, exit code ${code}` : `exit code ${code}`;
}
