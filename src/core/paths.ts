/** Where everything of one workspace lives (DESIGN rules 14-15): all beside the database. */
import * as path from 'node:path';

export const DEFAULT_DATABASE_PATH = '.singer/db.json';

export interface WorkspacePaths {
  readonly workspace: string;
  readonly database: string;
  readonly dir: string;
  readonly dbLock: string;
  readonly schedulerLock: string;
  jobLock(integration: string): string;
  logDir(integration: string): string;
  logFile(integration: string, jobId: string): string;
  stateFile(integration: string): string;
  historyFile(integration: string): string;
  catalogFile(integration: string): string;
  /** Relative to the workspace when inside it, as the database stores paths. */
  relative(p: string): string;
  resolve(p: string): string;
}

export function workspacePaths(workspace: string, databasePath: string = DEFAULT_DATABASE_PATH): WorkspacePaths {
  const ws = path.resolve(workspace);
  const database = path.resolve(ws, databasePath);
  const dir = path.dirname(database);
  const relative = (p: string): string => {
    const abs = path.resolve(ws, p);
    const rel = path.relative(ws, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
  };
  return {
    workspace: ws,
    database,
    dir,
    dbLock: `${database}.lock`,
    schedulerLock: path.join(dir, 'locks', 'scheduler.lock'),
    jobLock: (name) => path.join(dir, 'locks', `${name}.lock`),
    logDir: (name) => path.join(dir, 'logs', name),
    logFile: (name, jobId) => path.join(dir, 'logs', name, `${jobId}.log`),
    stateFile: (name) => path.join(dir, 'state', `${name}.json`),
    historyFile: (name) => path.join(dir, 'history', `${name}.json`),
    catalogFile: (name) => path.join(dir, 'catalogs', `${name}.json`),
    relative,
    resolve: (p) => path.resolve(ws, p),
  };
}
