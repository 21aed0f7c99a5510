/** Finds a program before anything is spawned, so a missing one is reported by name (DESIGN §5). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Lookup = { found: string } | { missing: string; lookedIn: string };

export function findExecutable(program: string, cwd: string, envPath: string | undefined): Lookup {
  if (program.includes('/')) {
    const abs = path.resolve(cwd, program);
    return isExecutable(abs) ? { found: abs } : { missing: program, lookedIn: abs };
  }
  const dirs = (envPath ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = path.resolve(cwd, dir, program);
    if (isExecutable(candidate)) return { found: candidate };
  }
  const shown = dirs.length <= 5 ? dirs.join(path.delimiter) : `${dirs.slice(0, 4).join(path.delimiter)} and ${dirs.length - 4} more`;
  return { missing: program, lookedIn: `PATH: ${shown}` };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
