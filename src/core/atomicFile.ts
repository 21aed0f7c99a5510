/** Files replaced through a temp file and a rename, so a reader sees the old file or the new one, never half of one. */
import * as fs from 'node:fs';
import * as path from 'node:path';

function replaceFile(file: string, text: string, mode: number, exactMode: boolean): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { mode });
    if (exactMode) fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  } catch (err) {
    // A full disk leaves an empty or half-written temp file: it must not stay behind.
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* a folder that became read-only keeps it; nothing more can be done here */
    }
    throw err;
  }
}

/** A JSON value on one line; `mode` is subject to the umask, as for any new file. */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o644): void {
  replaceFile(file, `${JSON.stringify(value)}\n`, mode, false);
}

/** Text with exactly `mode`, or, without one, the mode of the file it replaces (0o644 for a new one). */
export function writeTextAtomic(file: string, text: string, mode?: number): void {
  let keep = mode;
  try {
    keep ??= fs.statSync(file).mode & 0o777;
  } catch {
    keep ??= 0o644;
  }
  replaceFile(file, text, keep, true);
}
