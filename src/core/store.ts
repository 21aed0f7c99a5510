/**
 * The workspace database (DESIGN rule 14): `.singer/db.json` holds the integrations, and each
 * integration's job history is a file of its own beside it (`.singer/history/NAME.json`), so that a
 * job, `list` and a view's refresh cost the same with a long history as with none (issue 15). Every
 * file is a lowdb JSON file validated with zod on every read (a validated read is kept while the file
 * is unchanged), written atomically (temp file + rename), never overwritten when it does not validate,
 * and written only under the database lock, after reading it again. A history is also known unchanged
 * across processes: db.json records the key (inode, size, modification and change times) each history
 * had when the store last wrote it, so a job's start does not validate 100 jobs again (~8 ms) to add one;
 * a file edited, replaced or restored since has another key and is validated.
 *
 * A write the machine refuses (a full disk, a read-only folder) throws a DiskError and leaves neither
 * a temp file nor a lock behind.
 *
 * db.json keeps, per integration, what the views and the scheduler need of its history (`recent`: the
 * last job and when the newest entry was due), recomputed here whenever that history is written. A
 * db.json of the earlier layouts (every job inside it, versions 1 and 2) is read as it is and migrated on
 * the first write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import * as z from 'zod/mini';
import { DiskError, rethrowAsDiskError } from './diskErrors';
import { usageError } from './errors';
import { FileLock } from './lock';
import { DatabaseSchema, HistorySchema, LegacyDatabaseSchema, emptyDatabase, type Database, type History, type Job, type Recent } from './model';
import type { WorkspacePaths } from './paths';

/** db.json as read: in the first layout, the jobs it held, by integration, until the first write moves them out. */
interface Loaded {
  db: Database;
  legacy: Map<string, Job[]> | null;
}

/** The histories an update may read and change; what it touches is written back when it ends. */
export interface Histories {
  /** The integration's jobs, oldest first, to read or change in place. */
  jobs(integration: string): Job[];
  /** Deletes the integration's history (it is being removed). */
  remove(integration: string): void;
}

export class Store {
  private readonly low: Low<Loaded>;
  private readonly lock: FileLock;
  /**
   * Updates of this process wait their turn here, so the lock file is contended only between
   * processes: hundreds of jobs of one scheduler polling the same lock starved each other (bench).
   */
  private queue: Promise<unknown> = Promise.resolve();
  /** The last validated read of db.json, kept while the file is the same (inode, size, mtime): zod is most of a read's cost. */
  private cache: { key: string; data: Loaded } | undefined;
  private readonly histories = new Map<string, { key: string; jobs: Job[] }>();
  /** Told once when a database of the first layout is migrated (the CLI prints it, the extension logs it). */
  onNotice: ((message: string) => void) | undefined;

  constructor(
    readonly paths: WorkspacePaths,
    /** How long a write waits for another process's write (LockTimeoutError after it). */
    private readonly lockTimeoutMs = 10_000,
  ) {
    const file = paths.database;
    this.low = new Low<Loaded>(
      new JsonFile<Loaded>(file, (text) => parseDatabase(text, file), (data) => data.db),
      { db: emptyDatabase(), legacy: null },
    );
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
    return (await this.load()).db;
  }

  /** An integration's jobs as recorded, oldest first ([] when none). Callers must not modify them. */
  async history(integration: string): Promise<Job[]> {
    const loaded = await this.load();
    return loaded.legacy ? (loaded.legacy.get(integration) ?? []) : this.readHistory(integration, loaded.db.recent[integration]?.historyKey);
  }

  private async load(): Promise<Loaded> {
    const key = fileKey(this.paths.database);
    if (key !== null && this.cache?.key === key) return this.cache.data;
    // lowdb parses into a new object on every read, so the one cached here is never the one an update changes.
    await this.readFile();
    const data = this.low.data;
    if (key !== null && key === fileKey(this.paths.database)) this.cache = { key, data };
    return data;
  }

  /**
   * lowdb keeps what it held when the file is missing: a database deleted by the user (or another
   * process) would come back on the next write. A missing file is an empty database.
   */
  private async readFile(): Promise<void> {
    this.low.data = { db: emptyDatabase(), legacy: null };
    await this.low.read();
  }

  /** `written`: the key db.json records for the file (see the top of this file). */
  private readHistory(integration: string, written: string | undefined): Job[] {
    const file = this.paths.historyFile(integration);
    const key = fileKey(file);
    if (key === null) return [];
    const hit = this.histories.get(integration);
    if (hit?.key === key) return hit.jobs;
    const text = fs.readFileSync(file, 'utf8');
    const same = key === fileKey(file);
    const jobs = same && key === written ? writtenHistory(text, file, integration) : parseHistory(text, file, integration);
    if (same) this.histories.set(integration, { key, jobs });
    return jobs;
  }

  /**
   * Read-modify-write under the database lock. `change` may throw to refuse: nothing is written. A
   * file that does not validate throws before `change` sees it, so it is never overwritten.
   */
  update<T>(change: (db: Database, histories: Histories) => T): Promise<T> {
    const run = this.queue.then(() => this.updateNow(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async updateNow<T>(change: (db: Database, histories: Histories) => T): Promise<T> {
    const refused = `the database ${this.paths.database} could not be written, so nothing was changed`;
    try {
      await this.lock.acquire(this.lockTimeoutMs);
    } catch (err) {
      throw err instanceof DiskError ? err.rephrase(refused) : err;
    }
    try {
      // Re-read under the lock (another process may have written); a file validated a moment ago
      // and unchanged since is copied instead of parsed and validated again.
      const key = fileKey(this.paths.database);
      if (key !== null && this.cache?.key === key) this.low.data = copyForChange(this.cache.data);
      else await this.readFile();
      const { db, legacy } = this.low.data;
      const touched = new Map<string, Job[]>();
      const removed = new Set<string>();
      const result = change(db, {
        jobs: (name) => {
          let jobs = touched.get(name);
          if (!jobs) {
            jobs = structuredClone(legacy ? (legacy.get(name) ?? []) : this.readHistory(name, db.recent[name]?.historyKey));
            touched.set(name, jobs);
            removed.delete(name);
          }
          return jobs;
        },
        remove: (name) => {
          touched.delete(name);
          removed.add(name);
        },
      });
      let notice: string | undefined;
      if (legacy) {
        // The first write to a database of the first layout moves every history to its own file.
        for (const it of db.integrations) {
          const jobs = legacy.get(it.name);
          if (!touched.has(it.name) && !removed.has(it.name) && jobs?.length) touched.set(it.name, jobs);
        }
        notice =
          `${this.paths.relative(this.paths.database)} held the job history of every integration: moved it to one file per ` +
          `integration in ${this.paths.relative(path.dirname(this.paths.historyFile('x')))}/ (${touched.size} files), so that a job and \`list\` no longer read all of it.`;
      }
      for (const [name, jobs] of touched) db.recent[name] = recentOf(jobs);
      for (const name of removed) delete db.recent[name];
      try {
        fs.mkdirSync(this.paths.dir, { recursive: true });
        // Histories first: a crash before db.json is written leaves the old db.json, whose next write
        // writes them again; never a db.json that points at histories that are not there.
        for (const [name, jobs] of touched) {
          const file = this.paths.historyFile(name);
          await writeHistory(file, name, jobs);
          // What we just wrote under the lock is what the file holds: no need to parse it back, here
          // or in another process while the file keeps this key.
          const written = fileKey(file);
          if (written === null) this.histories.delete(name);
          else {
            this.histories.set(name, { key: written, jobs });
            db.recent[name]!.historyKey = written;
          }
        }
        for (const name of removed) {
          fs.rmSync(this.paths.historyFile(name), { force: true });
          this.histories.delete(name);
        }
        this.low.data = { db, legacy: null };
        await this.low.write();
      } catch (err) {
        // What this process holds in memory is not what the files say: read them again next time.
        this.cache = undefined;
        for (const name of [...touched.keys(), ...removed]) this.histories.delete(name);
        rethrowAsDiskError(err, this.paths.dir, refused);
      }
      // Still under the lock, so no other writer can have replaced the file since.
      const written = fileKey(this.paths.database);
      this.cache = written === null ? undefined : { key: written, data: { db, legacy: null } };
      if (notice) this.onNotice?.(notice);
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

/**
 * A copy of the cached database for a change to modify, so the cache and what read() handed out stay as
 * they were. Each `recent` entry is shared, not copied: nothing modifies one (updateNow replaces an
 * integration's entry whole, after its history is written). With 500 integrations that have a history,
 * those entries are two thirds of db.json, and copying them took 10-17 ms of every write: three writes
 * of every job.
 */
function copyForChange(data: Loaded): Loaded {
  if (data.legacy) return structuredClone(data);
  const { recent, ...rest } = data.db;
  return { db: { ...structuredClone(rest), recent: { ...recent } }, legacy: null };
}

/** What db.json keeps of a history: its last real job and when its newest entry was due. */
export function recentOf(jobs: readonly Job[]): Recent {
  let last: Job | null = null;
  let newestAt: string | null = null;
  for (const j of jobs) {
    if (newestAt === null || j.startedAt > newestAt) newestAt = j.startedAt;
    if (j.status !== 'Skipped' && (last === null || j.id > last.id)) last = j;
  }
  return { last, newestAt };
}

/** Changes with any write, rename or `touch` of the file: the change time cannot be set back. */
function fileKey(file: string): string | null {
  try {
    const st = fs.statSync(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return null;
  }
}

async function writeHistory(file: string, integration: string, jobs: Job[]): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await new Low(new JsonFile<History>(file, (text) => parseHistoryFile(text, file), (d) => d), { version: 1 as const, integration, jobs }).write();
}

/** lowdb's adapter for our files: validated reads, writes through a temp file that never stays behind. */
class JsonFile<T> implements Adapter<T> {
  constructor(
    private readonly file: string,
    private readonly parse: (text: string) => T,
    private readonly toJson: (data: T) => unknown,
  ) {}

  // Synchronous: these files are small (db.json holds no history), and a read or write through the
  // thread pool waited for a thread at every step while the tap and the target started on the same two
  // cores, holding up the job's start and the relay behind it.
  async read(): Promise<T | null> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return this.parse(text);
  }

  async write(data: T): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, `${JSON.stringify(this.toJson(data), null, 2)}\n`);
      fs.renameSync(tmp, this.file);
    } catch (err) {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // The write's own error is the one to report.
      }
      throw err;
    }
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError(
      `${file} is not valid JSON (${(err as Error).message}). It was left as it is: repair it, or move it away ` +
        `(for db.json: to start with an empty database; for a history: to start that integration's history again).`,
      err,
    );
  }
}

function invalid(file: string, error: z.core.$ZodError): never {
  const first = z.prettifyError(error).split('\n').slice(0, 2).join(' ');
  throw usageError(
    `${file} does not match the expected format: ${first}. It was left as it is: ` +
      `repair it, or move it away (for db.json: to start with an empty database; for a history: to start that integration's history again).`,
    error,
  );
}

function parseDatabase(text: string, file: string): Loaded {
  const raw = parseJson(text, file);
  const version = typeof raw === 'object' && raw !== null ? (raw as { version?: unknown }).version : undefined;
  if (version === 1 || version === 2) {
    const parsed = LegacyDatabaseSchema.safeParse(raw);
    if (!parsed.success) invalid(file, parsed.error);
    const legacy = new Map<string, Job[]>();
    for (const j of parsed.data.jobs) {
      const list = legacy.get(j.integration);
      if (list) list.push(j);
      else legacy.set(j.integration, [j]);
    }
    const recent: Record<string, Recent> = {};
    for (const [name, jobs] of legacy) {
      jobs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      recent[name] = recentOf(jobs);
    }
    return { db: { version: 3, integrations: parsed.data.integrations, recent, lastJobId: parsed.data.lastJobId }, legacy };
  }
  const parsed = DatabaseSchema.safeParse(raw);
  if (!parsed.success) invalid(file, parsed.error);
  return { db: parsed.data, legacy: null };
}

function parseHistoryFile(text: string, file: string): History {
  const parsed = HistorySchema.safeParse(parseJson(text, file));
  if (!parsed.success) invalid(file, parsed.error);
  return parsed.data;
}

function parseHistory(text: string, file: string, integration: string): Job[] {
  return jobsOf(parseHistoryFile(text, file), file, integration);
}

/** A history file as the store wrote it (its key is the one db.json recorded then): validated when it was written. */
function writtenHistory(text: string, file: string, integration: string): Job[] {
  return jobsOf(parseJson(text, file) as History, file, integration);
}

function jobsOf(history: History, file: string, integration: string): Job[] {
  if (history.integration !== integration) {
    throw usageError(`${file} is the history of "${history.integration}", not of "${integration}". It was left as it is: move it back where it belongs.`);
  }
  return history.jobs;
}
