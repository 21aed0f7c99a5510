/**
 * What an imported integration reads besides its config: the extractor's catalog (its catalog file, or
 * the one Meltano cached with the selection rules applied), a state file, and the programs to run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findExecutable } from '../executable';
import type { WorkspacePaths } from '../paths';
import { isPlainObject } from './patterns';
import type { EnvPluginOverrideDef, MeltanoProject, ResolvedPlugin } from './project';
import type { Report } from './report';
import { applyCatalogRules } from './selection';
import { where } from './yamlFile';

export type ProgramSource = 'installed' | 'project' | 'path' | 'missing';

export interface ImportedProgram {
  /** argv[0] as stored: relative to the workspace for files inside it, else a name looked up on PATH. */
  program: string;
  source: ProgramSource;
  /** Where it was found now, or null. */
  found: string | null;
  /** Whether Meltano installs the plugin (it has a pip_url) under `.meltano/`. */
  installable: boolean;
}

export function importCatalog(project: MeltanoProject, ext: ResolvedPlugin, override: EnvPluginOverrideDef | undefined, report: Report, integration: string): Record<string, unknown> | null {
  const at = where(ext.located.file, ext.located.path);
  const select = override?.select ?? ext.extras.select;
  const metadata = override?.metadata ?? ext.extras.metadata;
  const hasRules = select !== undefined || metadata !== undefined || ext.extras.schema !== undefined || ext.extras.select_filter !== undefined;
  const cachedFile = path.join(project.dir, '.meltano', 'run', ext.name, 'tap.properties.json');
  let capabilities = ext.capabilities;
  if (!ext.definitionKnown) {
    // Meltano reads the capabilities from its hub; offline they are inferred from what Meltano left behind.
    const evidence =
      ext.extras.catalog !== undefined
        ? 'it has a catalog file'
        : readJsonObject(cachedFile)
          ? `Meltano cached a catalog for it in .meltano/run/${ext.name}/, which it does only for a tap that takes one`
          : null;
    if (evidence === null) {
      report.add(
        'unsupported',
        `no catalog for ${ext.name}: whether it takes one is in its definition on Meltano's hub, which the import does not read, and Meltano has cached no catalog in .meltano/run/${ext.name}/; ` +
          `run \`meltano run\` (or \`meltano invoke ${ext.name} --discover\`) once, or lock the plugin (\`meltano lock\`), and import again. Until then the tap extracts what it extracts by default${select ? `, not only ${select.join(', ')}` : ''}`,
        at,
        integration,
      );
      return null;
    }
    capabilities = ['catalog', 'state'];
    report.add(
      'warning',
      `${ext.name}'s capabilities are in its definition on Meltano's hub, which the import does not read: assumed catalog and state, since ${evidence}. A legacy tap that takes --properties instead fails on --catalog; then lock the plugin (\`meltano lock\`) and import again`,
      at,
      integration,
    );
  }
  const takesCatalog = capabilities.includes('catalog') || capabilities.includes('properties');
  if (!takesCatalog) {
    if (hasRules) report.add('unsupported', `${ext.name} declares neither the catalog nor the properties capability, so Meltano ignores its select and metadata rules; so does the import`, at, integration);
    return null;
  }
  if (!capabilities.includes('catalog')) {
    report.add('warning', `${ext.name} reads its catalog with --properties (a legacy tap); the engine passes --catalog`, at, integration);
  }
  if (ext.extras.catalog !== undefined) {
    const file = path.resolve(project.dir, ext.extras.catalog);
    const catalog = readJsonObject(file);
    if (!catalog) {
      report.add('unsupported', `the catalog file ${ext.extras.catalog} cannot be read as a JSON object; imported without a catalog`, where(ext.located.file, [...ext.located.path, 'catalog']), integration);
      return null;
    }
    if (hasRules) report.add('info', `${ext.name} has a catalog file, so Meltano uses it as it is and ignores its select and metadata rules; so does the import`, at, integration);
    return catalog;
  }
  const catalog = readJsonObject(cachedFile);
  if (!catalog) {
    report.add(
      'unsupported',
      `no catalog for ${ext.name}: it has no catalog file and Meltano has cached none in .meltano/run/${ext.name}/ (run \`meltano invoke ${ext.name} --discover\` or \`meltano run\` once, then import again); without one the tap extracts what it extracts by default${select ? `, not only ${select.join(', ')}` : ''}`,
      at,
      integration,
    );
    return null;
  }
  report.add('info', `catalog: the one Meltano cached for ${ext.name}, with its select${metadata ? ' and metadata' : ''} rules applied`, at, integration);
  return applyCatalogRules(catalog, { select, metadata, schema: ext.extras.schema, selectFilter: ext.extras.select_filter });
}

export function importStateExtra(project: MeltanoProject, ext: ResolvedPlugin, report: Report, integration: string): Record<string, unknown> | null {
  if (ext.extras.state === undefined) return null;
  const at = where(ext.located.file, [...ext.located.path, 'state']);
  const state = readJsonObject(path.resolve(project.dir, ext.extras.state));
  if (!state) {
    report.add('warning', `the state file ${ext.extras.state} cannot be read as a JSON object; the first job starts without state`, at, integration);
    return null;
  }
  report.add('info', `state: taken from ${ext.extras.state}`, at, integration);
  return isPlainObject(state.singer_state) ? state.singer_state : state;
}

function readJsonObject(file: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return isPlainObject(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * The program Meltano would run: the executable in the plugin's virtualenv under `.meltano/` when it
 * is installed, a path relative to the project, or a name on PATH (Meltano's own order).
 */
export function locateProgram(project: MeltanoProject, plugin: ResolvedPlugin, paths: WorkspacePaths, pathEnv: string | undefined): ImportedProgram {
  const exe = plugin.executable;
  const stored = (abs: string): string => {
    const rel = paths.relative(abs);
    return path.isAbsolute(rel) || rel.includes('/') ? rel : `./${rel}`;
  };
  // A plugin known only from Meltano's hub has a pip_url there: Meltano installs it like the others.
  const installable = plugin.pipUrl !== null || !plugin.definitionKnown;
  if (installable) {
    const installed = path.join(project.dir, '.meltano', plugin.type, plugin.venvDirName, 'venv', 'bin', exe);
    const hit = findExecutable(installed, paths.workspace, undefined);
    if ('found' in hit) return { program: stored(installed), source: 'installed', found: hit.found, installable };
  }
  if (exe.includes('/')) {
    const abs = path.resolve(project.dir, exe);
    const hit = findExecutable(abs, paths.workspace, undefined);
    return { program: stored(abs), source: 'found' in hit ? 'project' : 'missing', found: 'found' in hit ? hit.found : null, installable };
  }
  const hit = findExecutable(exe, paths.workspace, pathEnv);
  return { program: exe, source: 'found' in hit ? 'path' : 'missing', found: 'found' in hit ? hit.found : null, installable };
}
