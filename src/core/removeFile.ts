/**
 * Removing files a job leaves behind as it starts: its locks, its relay's socket folder. Node 20's
 * fs.rmSync runs a JavaScript rimraf, which it loads on first use (~0.5 ms) and which stats each path
 * before it removes it; a job removes a few before its programs start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Removes a file that may already be gone; any other error is thrown, as fs.rmSync's `force` does. */
export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Removes a folder of files that may already be gone; one that holds more goes the general way. */
export function removeFolderOfFiles(dir: string): void {
  try {
    for (const name of fs.readdirSync(dir)) removeFile(path.join(dir, name));
    fs.rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
