/** `import-meltano` and `export-meltano`: the core's Meltano interop, printed. */
import { parseArgs } from 'node:util';
import type { Engine } from '../core/engine';
import { usageError } from '../core/errors';
import { exportMeltanoProject, formatExportResult, formatImportResult, importMeltanoProject } from '../core/meltano';
import type { Io } from './output';

export async function importMeltanoCommand(engine: Engine, args: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      environment: { type: 'string' },
      resume: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 1) throw usageError(`import-meltano takes one PROJECT_DIR; got "${positionals.join(' ')}".`);
  const result = await importMeltanoProject(engine, {
    ...(positionals[0] === undefined ? {} : { projectDir: positionals[0] }),
    ...(v.environment === undefined ? {} : { environment: v.environment }),
    resume: v.resume,
    dryRun: v['dry-run'],
    env: process.env,
  });
  if (v.json) io.out(JSON.stringify(result, null, 2));
  else io.out(formatImportResult(result, v['dry-run']).join('\n'));
  return 0;
}

export async function exportMeltanoCommand(engine: Engine, args: string[], io: Io, defaultFrequencyMs: number): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'pip-url': { type: 'string', multiple: true, default: [] },
      environment: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) throw usageError('export-meltano needs the NAME of at least one integration. See `singer-replication export-meltano --help`.');
  if (v.out === undefined) throw usageError('export-meltano needs --out DIR, the Meltano project to write or update.');
  const pipUrls: Record<string, string> = {};
  for (const kv of v['pip-url']) {
    const eq = kv.indexOf('=');
    if (eq <= 0 || eq === kv.length - 1) throw usageError(`--pip-url ${kv} is not of the form NAME=URL (e.g. tap-github=meltanolabs-tap-github).`);
    pipUrls[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const result = await exportMeltanoProject(engine, {
    names: positionals,
    outDir: v.out,
    pipUrls,
    defaultFrequencyMs,
    ...(v.environment === undefined ? {} : { environment: v.environment }),
    dryRun: v['dry-run'],
  });
  if (v.json) io.out(JSON.stringify(result, null, 2));
  else io.out(formatExportResult(result, v['dry-run']).join('\n'));
  return 0;
}
