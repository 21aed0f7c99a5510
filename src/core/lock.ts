/**
 * A lock file holding its owner's pid (DESIGN rule 8): created with O_EXCL so exactly one process
 * wins; a lock whose owner is gone is stale and taken over. Used for the database (held for one
 * read-modify-write), for each integration's job, and for the scheduler.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rethrowAsDiskError } from './diskErrors';
import { SingerError } from './errors';
import { currentProcess, identityAlive, type ProcessIdentity } from './process';
import { removeFile } from './removeFile';

export interface LockInfo extends ProcessIdentity {
  acquiredAt: string;
  /** What the holder does, e.g. a job id; shown when someone is refused. */
  purpose?: string | undefined;
}

export class FileLock {
  private held = false;
  constructor(readonly file: string) {}

  /**
   * Takes the lock if it is free or stale; returns the live holder otherwise. A lock that cannot be
   * made (a full disk, a read-only folder) throws a DiskError: it is never told as held by someone.
   */
  tryAcquire(purpose?: string): { ok: true } | { ok: false; holder: LockInfo } {
    const dir = path.dirname(this.file);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      rethrowAsDiskError(err, dir, `the lock ${this.file} could not be made, so nothing was done`);
    }
    const info: LockInfo = { ...currentProcess(), acquiredAt: new Date().toISOString(), purpose };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.create(JSON.stringify(info))) {
        this.held = true;
        return { ok: true };
      }
      const holder = readLock(this.file);
      if (holder && identityAlive(holder)) return { ok: false, holder };
      if (holder === undefined && fileAgeMs(this.file) < 2000) {
        // A holder between open and write: not stale, just young.
        return { ok: false, holder: { pid: 0, host: '', acquiredAt: new Date().toISOString() } };
      }
      this.takeOverStale();
    }
    const holder = readLock(this.file);
    return { ok: false, holder: holder ?? { pid: 0, host: '', acquiredAt: new Date().toISOString() } };
  }

  /** Creates the lock file holding `text`; false when it exists. A file that could not be written whole is removed. */
  private create(text: string): boolean {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      rethrowAsDiskError(err, path.dirname(this.file), `the lock ${this.file} could not be made, so nothing was done`);
    }
    try {
      fs.writeSync(fd, text);
      fs.closeSync(fd);
      return true;
    } catch (err) {
      // A full disk makes the file but not its content: an empty lock would look held by a process starting up.
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
      removeFile(this.file);
      rethrowAsDiskError(err, path.dirname(this.file), `the lock ${this.file} could not be written, so nothing was done`);
    }
  }

  /**
   * Waits (polling) until the lock is free; for short critical sections such as a database write. A
   * holder that keeps it past `timeoutMs` is hung or slow: LockTimeoutError (exit 2, nothing written).
   */
  async acquire(timeoutMs = 10_000, purpose?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 2;
    for (;;) {
      const r = this.tryAcquire(purpose);
      if (r.ok) return;
      if (Date.now() > deadline) throw new LockTimeoutError(this.file, r.holder, timeoutMs);
      await new Promise((r2) => setTimeout(r2, delay));
      delay = Math.min(delay * 2, 50);
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    const holder = readLock(this.file);
    if (holder && holder.pid === process.pid) removeFile(this.file);
  }

  isHeld(): boolean {
    return this.held;
  }

  /** Rename first so that two processes seeing the same stale lock cannot both delete a fresh one. */
  private takeOverStale(): void {
    const grave = `${this.file}.stale-${process.pid}-${Date.now()}`;
    try {
      fs.renameSync(this.file, grave);
    } catch (err) {
      // Gone already (someone else took it over) is fine; a folder that may not be written is not.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      rethrowAsDiskError(err, path.dirname(this.file), `the stale lock ${this.file} could not be taken over, so nothing was done`);
    }
    const moved = readLock(grave);
    if (moved && identityAlive(moved)) {
      // Someone re-took it between our read and rename: put it back.
      try {
        fs.linkSync(grave, this.file);
      } catch {
        /* they will notice their lock vanished only if they check; rare and harmless for short sections */
      }
    }
    removeFile(grave);
  }
}

/**
 * A lock wait that ran out (DESIGN §5: exit 2, nothing written). Only the database lock is waited for;
 * a job's lock is tried once and a held one is refused as busy (exit 4).
 */
export class LockTimeoutError extends SingerError {
  constructor(
    readonly file: string,
    readonly holder: LockInfo,
    timeoutMs: number,
  ) {
    super(
      `the lock ${file} has been held by process ${holder.pid}${holder.purpose ? ` (${holder.purpose})` : ''} since ${holder.acquiredAt}, ` +
        `longer than the ${Math.round(timeoutMs / 1000)} s a write waits, so nothing was written; if that process is hung, end it ` +
        `(a lock whose process is gone is taken over by itself) and try again.`,
    );
    this.name = 'LockTimeoutError';
  }
}

export function readLock(file: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

function fileAgeMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}
