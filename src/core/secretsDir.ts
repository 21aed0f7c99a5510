/**
 * The private temp folders that hold a job's resolved configs, secrets included (DESIGN rule 16).
 * The runner deletes its folder when the job ends; a runner killed before that (SIGKILL, a crash, a
 * closed window) cannot, so each folder names its owner in `owner.json`: reconcile removes the folder
 * recorded with the job, and every new job removes the folders of owners that are gone (also those a
 * runner made before it could record its job).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { currentProcess, identityAlive, type ProcessIdentity } from './process';

const PREFIX = 'singer-';
const OWNER_FILE = 'owner.json';

interface Owner extends ProcessIdentity {
  integration: string;
}

/** A new folder readable by this user alone, naming this process as its owner. */
export function makeSecretsDir(integration: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${integration}-`));
  try {
    fs.chmodSync(dir, 0o700);
    const owner: Owner = { ...currentProcess(), integration };
    fs.writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify(owner), { mode: 0o600 });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

function ownerOf(dir: string): Owner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as Owner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the folder a job recorded, when it is one of ours and its owner (the job's runner, `runnerPid`)
 * is gone; false when it is not there (already removed) or not ours to remove.
 */
export function removeSecretsDir(dir: string, runnerPid: number | null): boolean {
  if (!path.basename(dir).startsWith(PREFIX)) return false;
  const owner = ownerOf(dir);
  if (!owner || owner.pid !== runnerPid || identityAlive(owner)) return false;
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}

/**
 * Removes the integration's folders in the temp folder whose owner is gone; returns how many. (Only
 * its own: at most one job of it runs, so this stays cheap when hundreds of jobs start together.)
 */
export function sweepSecretsDirs(integration: string, tmp: string = os.tmpdir()): number {
  const prefix = `${PREFIX}${integration}-`;
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(tmp).filter((n) => n.startsWith(prefix));
  } catch {
    return 0;
  }
  for (const name of names) {
    const dir = path.join(tmp, name);
    const owner = ownerOf(dir);
    if (!owner || owner.integration !== integration || identityAlive(owner)) continue;
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      /* another user's folder, or one being removed by another job: not ours to force */
    }
  }
  return removed;
}
