/**
 * Two named pipes (FIFOs) for the relay on a thread (threadRelay.ts): the tap's stdout and the
 * target's stdin. A pipe, not child_process's Unix socket: a tap writing a line per system call pays
 * the kernel for a socket buffer per line, a pipe appends to its page (docs/relay.md). Named, because
 * Node makes no anonymous pipe whose ends it can hand to a thread; they live in a private temporary
 * folder (mode 0700) only until they are opened.
 *
 * Every end is opened close-on-exec (libuv's default), so no other program this process starts holds
 * one: the target sees its input end when the relay closes it, the relay its output's end when the
 * tap exits.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeFolderOfFiles } from './removeFile';

export interface FifoPipes {
  /** For `spawn`: the tap's stdout (write-only). */
  readonly tapEnd: number;
  /** For `spawn`: the target's stdin (read-only). */
  readonly targetEnd: number;
  /** The relay's ends: blocking, handed to the thread. */
  readonly fromTap: number;
  readonly toTarget: number;
  /** Closes this process's copy of the target's end, once the target has it. */
  releaseTargetEnd(): void;
  /** Closes this process's copy of the tap's end, once the tap has it: its exit then ends the output. */
  releaseTapEnd(): void;
  /** The relay's ends are the thread's from now on: it closes them, and `close()` leaves them. */
  handOver(): void;
  /** Closes every end still held here. */
  close(): void;
}

/**
 * Opens the pipes; null where they cannot be made (no `mkfifo` on the PATH, Windows, a temporary
 * folder that takes no FIFO): the caller then relays on the event loop, which works everywhere.
 */
export function openFifoPipes(): FifoPipes | null {
  if (process.platform === 'win32') return null;
  let dir: string | undefined;
  const open: number[] = [];
  const openFd = (file: string, flags: number): number => {
    const fd = fs.openSync(file, flags);
    open.push(fd);
    return fd;
  };
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-relay-'));
    const out = path.join(dir, 'out');
    const input = path.join(dir, 'in');
    const made = spawnSync('mkfifo', ['-m', '600', out, input], { stdio: 'ignore' });
    if (made.status !== 0) return null;
    const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
    // Opening one end of a FIFO blocks until the other is open, unless it is a non-blocking reader:
    // so a non-blocking reader first, then the writer, then the blocking reader the relay keeps.
    const probeOut = openFd(out, O_RDONLY | O_NONBLOCK);
    const tapEnd = openFd(out, O_WRONLY);
    const fromTap = openFd(out, O_RDONLY);
    const probeIn = openFd(input, O_RDONLY | O_NONBLOCK);
    const toTarget = openFd(input, O_WRONLY);
    const targetEnd = openFd(input, O_RDONLY);
    for (const fd of [probeOut, probeIn]) closeOnce(open, fd);
    return {
      tapEnd,
      targetEnd,
      fromTap,
      toTarget,
      releaseTargetEnd: () => closeOnce(open, targetEnd),
      releaseTapEnd: () => closeOnce(open, tapEnd),
      handOver: () => {
        for (const fd of [fromTap, toTarget]) forget(open, fd);
      },
      close: () => {
        for (const fd of [...open]) closeOnce(open, fd);
      },
    };
  } catch {
    for (const fd of [...open]) closeOnce(open, fd);
    return null;
  } finally {
    if (dir) removeFolderOfFiles(dir);
  }
}

/** Stops holding fd here; false if it was not held. */
function forget(open: number[], fd: number): boolean {
  const i = open.indexOf(fd);
  if (i < 0) return false;
  open.splice(i, 1);
  return true;
}

/** Closes fd if this process still holds it here (never twice: the number may be reused). */
function closeOnce(open: number[], fd: number): void {
  if (!forget(open, fd)) return;
  try {
    fs.closeSync(fd);
  } catch {
    // already gone: nothing to release
  }
}
