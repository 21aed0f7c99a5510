/**
 * The workspace database (DESIGN rule 14): a lowdb JSON file validated with zod on every read,
 * written atomically (a temp file renamed over it), and never overwritten when it does not
 * validate. lowdb has no lock between processes, so every write happens under a cross-process lock
 * after re-reading the file. A write the machine refuses (a full disk, a read-only folder) throws a
 * DiskError and leaves neither a temp file nor a lock behind.
 */
import * as fs from 'node:fs';
import { Low, type Adapter } from 'lowdb';
import * as z from 'zod';
import { DiskError, rethrowAsDiskError } from './diskErrors';
import { usageError } from './errors';
import { FileLock } from './lock';
import { DatabaseSchema, emptyDatabase, type Database } from './model';
import type { WorkspacePaths } from './paths';

export class Store {
  private readonly low: Low<Database>;
  private readonly lock: FileLock;
  /**
   * Updates of this process wait their turn here, so the lock file is contended only between
   * processes: hundreds of jobs of one scheduler polling the same lock starved each other (bench).
   */
  private queue: Promise<unknown> = Promise.resolve();
  /** The last validated read, kept while the file is the same (inode, size, mtime): zod is most of a read's cost. */
  private cache: { key: string; data: Database } | undefined;

  constructor(
    readonly paths: WorkspacePaths,
    /** How long a write waits for another process's write (LockTimeoutError after it). */
    private readonly lockTimeoutMs = 10_000,
  ) {
    this.low = new Low<Database>(new DatabaseFile(paths.database), emptyDatabase());
    this.lock = new FileLock(paths.dbLock);
  }

  exists(): boolean {
    return fs.existsSync(this.paths.database);
  }

  /**
   * The database as it is on disk now, validated; an empty one when the file does not exist yet.
   * Callers must not modify it (it may be shared with the next read); change it through update().
   */
  async read(): Promise<Database> {
    const key = this.fileKey();
    if (key !== null && this.cache?.key === key) return this.cache.data;
    // lowdb parses into a new object on every read, so the one cached here is never the one an update changes.
    await this.readFile();
    const data = this.low.data;
    if (key !== null && key === this.fileKey()) this.cache = { key, data };
    return data;
  }

  /**
   * lowdb keeps what it held when the file is missing: a database deleted by the user (or another
   * process) would come back on the next write. A missing file is an empty database.
   */
  private async readFile(): Promise<void> {
    this.low.data = emptyDatabase();
    await this.low.read();
  }

  private fileKey(): string | null {
    try {
      const st = fs.statSync(this.paths.database, { bigint: true });
      return `${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch {
      return null;
    }
  }

  /**
   * Read-modify-write under the database lock. `change` may throw to refuse: nothing is written.
   * A database that does not validate throws before `change` runs, so it is never overwritten.
   */
  update<T>(change: (db: Database) => T): Promise<T> {
    const run = this.queue.then(() => this.updateNow(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async updateNow<T>(change: (db: Database) => T): Promise<T> {
    try {
      await this.lock.acquire(this.lockTimeoutMs);
    } catch (err) {
      throw err instanceof DiskError ? err.rephrase(`the database ${this.paths.database} could not be written, so nothing was changed`) : err;
    }
    try {
      // Re-read under the lock (another process may have written); a file validated a moment ago
      // and unchanged since is copied instead of parsed and validated again.
      const key = this.fileKey();
      if (key !== null && this.cache?.key === key) this.low.data = structuredClone(this.cache.data);
      else await this.readFile();
      const result = change(this.low.data);
      try {
        fs.mkdirSync(this.paths.dir, { recursive: true });
        await this.low.write();
      } catch (err) {
        // What this process holds in memory is not what the file says: read it again next time.
        this.cache = undefined;
        rethrowAsDiskError(err, this.paths.dir, `the database ${this.paths.database} could not be written, so nothing was changed`);
      }
      this.cache = undefined;
      return result;
    } finally {
      this.lock.release();
    }
  }

  /** The file's modification time, so pollers parse it only when it changed. */
  mtimeMs(): number {
    try {
      return fs.statSync(this.paths.database).mtimeMs;
    } catch {
      return 0;
    }
  }
}

/** lowdb's adapter for the database: validated reads, writes through a temp file that never stays behind. */
class DatabaseFile implements Adapter<Database> {
  constructor(private readonly file: string) {}

  async read(): Promise<Database | null> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return parseDatabase(text, this.file);
  }

  async write(data: Database): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await fs.promises.writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`);
      await fs.promises.rename(tmp, this.file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }
}

function parseDatabase(text: string, file: string): Database {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw usageError(
      `the database ${file} is not valid JSON (${(err as Error).message}). It was left as it is: ` +
        `repair it, or move it away to start with an empty database.`,
      err,
    );
  }
  const parsed = DatabaseSchema.safeParse(raw);
  if (!parsed.success) {
    const first = z.prettifyError(parsed.error).split('\n').slice(0, 2).join(' ');
    throw usageError(
      `the database ${file} does not match the expected format: ${first}. It was left as it is: ` +
        `repair it, or move it away to start with an empty database.`,
      parsed.error,
    );
  }
  return parsed.data;
}
