/**
 * Tells when the database file changes, whoever wrote it (this process, the CLI, another window).
 * It watches the file's directory, not the file: atomic writes replace the file, which ends a watch
 * on it. A directory that does not exist yet (no integration so far) is looked for every few
 * seconds, so watching never creates anything in a folder that may be read-only or untrusted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Disposable } from './events';

const DEBOUNCE_MS = 100;
const APPEAR_CHECK_MS = 2000;

export function watchDatabase(file: string, onChange: () => void): Disposable {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let watcher: fs.FSWatcher | undefined;
  let appear: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let disposed = false;

  const fire = (): void => {
    if (debounce || disposed) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      if (!disposed) onChange();
    }, DEBOUNCE_MS);
  };
  const arm = (): boolean => {
    try {
      watcher = fs.watch(dir, (_event, name) => {
        if (name === null || name === base) fire();
      });
    } catch {
      return false;
    }
    watcher.on('error', () => {
      // The directory went away (the user deleted .singer/): wait for it to come back.
      watcher?.close();
      watcher = undefined;
      if (!disposed) waitForDirectory();
      fire();
    });
    return true;
  };
  const waitForDirectory = (): void => {
    appear = setInterval(() => {
      if (!fs.existsSync(dir) || !arm()) return;
      clearInterval(appear);
      appear = undefined;
      fire();
    }, APPEAR_CHECK_MS);
    appear.unref?.();
  };
  if (!arm()) waitForDirectory();

  return {
    dispose: () => {
      disposed = true;
      watcher?.close();
      if (appear) clearInterval(appear);
      if (debounce) clearTimeout(debounce);
    },
  };
}
