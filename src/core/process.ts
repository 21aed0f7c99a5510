/** Process facts the locks and reconciliation rely on (Linux and macOS). */
import * as fs from 'node:fs';
import * as os from 'node:os';

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The kernel's start time of a process, so a pid reused by an unrelated process is not mistaken
 * for the lock holder. Undefined where /proc is not available.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export interface ProcessIdentity {
  pid: number;
  host: string;
  start?: string | undefined;
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, host: os.hostname(), start: processStartTime(process.pid) };
}

/** Whether the process a lock or job names still runs. A holder on another host is assumed alive. */
export function identityAlive(id: ProcessIdentity): boolean {
  if (id.host !== os.hostname()) return true;
  if (!isAlive(id.pid)) return false;
  if (id.start === undefined) return true;
  const now = processStartTime(id.pid);
  return now === undefined || now === id.start;
}

/** Sends a signal to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process ended by signal N reports 128+N, as shells do (DESIGN §5). */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number | null {
  if (code !== null) return code;
  if (signal !== null) return 128 + (os.constants.signals[signal] ?? 0);
  return null;
}
