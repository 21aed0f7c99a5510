/**
 * Writes that fail because of the machine, not the program: a full disk (ENOSPC, EDQUOT) or a folder
 * that may not be written (EROFS, EACCES, EPERM). They are told as one sentence naming the folder,
 * what did or did not happen, and what to do; a command refused by one exits 2 (DESIGN §5).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SingerError } from './errors';

export type DiskProblem = 'full' | 'read-only';

const FULL = new Set(['ENOSPC', 'EDQUOT']);
const READ_ONLY = new Set(['EROFS', 'EACCES', 'EPERM']);

/** Which machine fault an error from `fs` is, if it is one. */
export function diskProblem(err: unknown): DiskProblem | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (FULL.has(code)) return 'full';
  if (READ_ONLY.has(code)) return 'read-only';
  return undefined;
}

export class DiskError extends SingerError {
  constructor(
    /** "the disk holding F is full (ENOSPC)", "the folder F is read-only (EROFS)". */
    readonly reason: string,
    readonly consequence: string,
    readonly problem: DiskProblem,
    readonly folder: string,
    cause: unknown,
  ) {
    super(`${reason}: ${consequence}; ${fixFor(problem)} and try again.`, undefined, { cause });
    this.name = 'DiskError';
  }

  /** What the user does about it: "free some space on that disk", "make the folder writable …". */
  get fix(): string {
    return fixFor(this.problem);
  }

  /** The same fault told with what it meant for the caller ("nothing was started"). */
  rephrase(consequence: string): DiskError {
    return new DiskError(this.reason, consequence, this.problem, this.folder, this.cause);
  }
}

function fixFor(problem: DiskProblem): string {
  return problem === 'full' ? 'free some space on that disk' : 'make the folder writable (or open the workspace from a folder you can write to)';
}

/**
 * The error as a DiskError when it is a machine fault, else undefined. `folder` is where the write
 * went (the workspace's `.singer/` for the database, locks, logs and state); the sentence names the
 * nearest folder that exists, since a folder that could not be made is not the one at fault.
 */
export function asDiskError(err: unknown, folder: string, consequence: string): DiskError | undefined {
  if (err instanceof DiskError) return err.rephrase(consequence);
  const problem = diskProblem(err);
  if (problem === undefined) return undefined;
  const shown = existingFolder(folder);
  const code = (err as NodeJS.ErrnoException).code!;
  const reason =
    problem === 'full'
      ? `the disk holding ${shown} is full (${code})`
      : code === 'EROFS'
        ? `the folder ${shown} is read-only (${code})`
        : `the folder ${shown} is read-only for this user (${code}, permission denied)`;
  return new DiskError(reason, consequence, problem, shown, err);
}

/** Rethrows a machine fault as a DiskError; any other error as it is. */
export function rethrowAsDiskError(err: unknown, folder: string, consequence: string): never {
  throw asDiskError(err, folder, consequence) ?? err;
}

function existingFolder(folder: string): string {
  let f = path.resolve(folder);
  for (;;) {
    try {
      if (fs.statSync(f).isDirectory()) return f;
    } catch {
      /* not there: its parent */
    }
    const up = path.dirname(f);
    if (up === f) return folder;
    f = up;
  }
}
