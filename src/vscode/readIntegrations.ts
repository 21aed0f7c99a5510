/** Reads a folder's database for the views; loaded lazily so activation does not pay for zod and lowdb. */
import { errorMessage } from '../core/errors';
import { jobsOf } from '../core/jobs';
import type { Integration, Job } from '../core/model';
import { workspacePaths } from '../core/paths';
import { Store } from '../core/store';

export type FolderIntegrations = { integrations: Array<{ it: Integration; jobs: Job[] }> } | { problem: string } | null;

export async function readIntegrations(folder: string, databasePath: string): Promise<FolderIntegrations> {
  const store = new Store(workspacePaths(folder, databasePath));
  if (!store.exists()) return null;
  try {
    const db = await store.read();
    return { integrations: db.integrations.map((it) => ({ it, jobs: jobsOf(db, it.name) })) };
  } catch (err) {
    return { problem: errorMessage(err) };
  }
}
