/**
 * The workspace database (DESIGN rule 14): a lowdb JSON file validated with zod on every read,
 * written atomically (lowdb's writer renames a temp file), and never overwritten when it does not
 * validate. lowdb has no lock between processes, so every write happens under a cross-process lock
 * after re-reading the file.
 */
import * as fs from 'node:fs';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import * as z from 'zod';
import { usageError } from './errors';
import { FileLock } from './lock';
import { DatabaseSchema, emptyDatabase, type Database } from './model';
import type { WorkspacePaths } from './paths';

export class Store {
  private readonly low: Low<Database>;
  private readonly lock: FileLock;

  constructor(readonly paths: WorkspacePaths) {
    const file = paths.database;
    const adapter = new DataFile<Database>(file, {
      parse: (text) => parseDatabase(text, file),
      stringify: (data) => `${JSON.stringify(data, null, 2)}\n`,
    });
    this.low = new Low<Database>(adapter, emptyDatabase());
    this.lock = new FileLock(paths.dbLock);
  }

  exists(): boolean {
    return fs.existsSync(this.paths.database);
  }

  /** The database as it is on disk now, validated; an empty one when the file does not exist yet. */
  async read(): Promise<Database> {
    await this.low.read();
    return this.low.data;
  }

  /**
   * Read-modify-write under the database lock. `change` may throw to refuse: nothing is written.
   * A database that does not validate throws before `change` runs, so it is never overwritten.
   */
  async update<T>(change: (db: Database) => T): Promise<T> {
    await this.lock.acquire();
    try {
      await this.low.read();
      const result = change(this.low.data);
      fs.mkdirSync(this.paths.dir, { recursive: true });
      await this.low.write();
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
