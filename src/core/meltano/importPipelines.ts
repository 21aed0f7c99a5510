/**
 * The pipelines of a Meltano project as import finds them: the extractor -> mapper… -> loader sets its
 * jobs and schedules run (and an extractor no job names, when the project has a single loader), each
 * named and with the schedule that runs it. A job `meltano run` would refuse is refused here too: its
 * pipelines are listed and not imported, never imported otherwise than Meltano runs them.
 */
import { usageError } from '../errors';
import { INTEGRATION_NAME } from '../model';
import { findMappings, findPlugin, type Located, type MeltanoProject, type PluginType } from './project';
import type { Report } from './report';
import { where } from './yamlFile';

/** A mapper a pipeline runs: a mapping of the mapper plugin, or (where Meltano accepts it) the plugin itself. */
export interface MapperUse {
  plugin: string;
  /** The mapping's name; null: the mapper plugin named itself, run with its own config. */
  mapping: string | null;
}

export interface Pipeline {
  extractor: string;
  loader: string;
  /** Between them, in order. */
  mappers: MapperUse[];
  name: string;
  job: string | null;
  schedule: Located<{ name: string; interval?: string | undefined; env?: Record<string, string> | undefined }> | null;
  where: string;
}

type PipelineSet = Pick<Pipeline, 'extractor' | 'loader' | 'mappers' | 'where'>;

/** `tap-a -> hide-ids -> target-b` */
export function describePipeline(p: Pick<Pipeline, 'extractor' | 'loader' | 'mappers'>): string {
  return [p.extractor, ...p.mappers.map((m) => m.mapping ?? m.plugin), p.loader].join(' -> ');
}

function sameMappers(a: MapperUse[], b: MapperUse[]): boolean {
  return a.length === b.length && a.every((m, i) => m.plugin === b[i]!.plugin && m.mapping === b[i]!.mapping);
}

export function findPipelines(project: MeltanoProject, report: Report): Pipeline[] {
  const pipelines: Pipeline[] = [];
  const byPair = new Map<string, Pipeline>();
  const jobPipelines = new Map<string, Pipeline[]>();
  const refusedJobs = new Set<string>();
  // Extractors that some job or schedule names, imported or not: the lone-extractor rule is not for them.
  const named = new Set<string>();
  const add = (p: Pipeline): Pipeline | null => {
    // Meltano keeps one state per extractor and loader, whatever runs between them.
    const key = `${p.extractor}\0${p.loader}`;
    const first = byPair.get(key);
    if (first) {
      if (sameMappers(first.mappers, p.mappers)) {
        report.add('info', `${describePipeline(p)} also runs here; it was imported once, as ${first.name}, since Meltano keeps one state for the pair`, p.where);
        return first;
      }
      report.add(
        'unsupported',
        `${describePipeline(p)} also runs here, while ${first.name} runs ${describePipeline(first)}; Meltano keeps one state for ${p.extractor} and ${p.loader}, which two integrations cannot share, so this one is not imported`,
        p.where,
      );
      return null;
    }
    byPair.set(key, p);
    pipelines.push(p);
    return p;
  };

  for (const job of project.jobs) {
    const found = jobSets(project, job, report, []);
    for (const e of found.extractors) named.add(e);
    if (found.refusal !== null) {
      refusedJobs.add(job.value.name);
      jobPipelines.set(job.value.name, []);
      report.add(
        'unsupported',
        `job ${job.value.name}: \`meltano run\` refuses its tasks "${found.text}" ("${found.refusal.reason}"), so nothing of it is imported${found.refusal.fix ? `; ${found.refusal.fix}` : ''}`,
        found.refusal.at,
      );
      continue;
    }
    const sets = found.sets;
    const list = sets.flatMap((set) => {
      const p = add({ ...set, name: sets.length === 1 ? job.value.name : `${set.extractor}-to-${set.loader}`, job: job.value.name, schedule: null });
      return p ? [p] : [];
    });
    jobPipelines.set(job.value.name, list);
  }

  for (const s of project.schedules) {
    const sched = s.value;
    const at = where(s.file, s.path);
    if (sched.job !== undefined) {
      const list = jobPipelines.get(sched.job);
      if (!list) throw usageError(`${where(s.file, [...s.path, 'job'])}: the schedule "${sched.name}" runs the job "${sched.job}", which the project does not define.`);
      if (refusedJobs.has(sched.job)) report.add('unsupported', `schedule ${sched.name} runs job ${sched.job}, which \`meltano run\` refuses (see the job above); not imported`, at);
      else if (list.length === 0) report.add('unsupported', `schedule ${sched.name} runs job ${sched.job}, which imports no pipeline (see the job above)`, at);
      for (const p of list) attachSchedule(p, s, report);
    } else if (sched.extractor !== undefined && sched.loader !== undefined) {
      const ext = pluginOfType(project, sched.extractor, 'extractors', where(s.file, [...s.path, 'extractor']), `the schedule "${sched.name}"`);
      const loader = pluginOfType(project, sched.loader, 'loaders', where(s.file, [...s.path, 'loader']), `the schedule "${sched.name}"`);
      named.add(ext);
      if (sched.transform === 'run' || sched.transform === 'only') {
        report.add('unsupported', `schedule ${sched.name} has transform: ${sched.transform}; the engine runs the extract-load part only`, at);
      }
      if (sched.transform === 'only') continue;
      const p = add({ extractor: ext, loader, mappers: [], name: sched.name, job: null, schedule: null, where: at });
      if (p) attachSchedule(p, s, report);
    } else {
      throw usageError(`${at}: the schedule "${sched.name}" names neither a job nor an extractor and a loader; Meltano needs one or the other.`);
    }
    if (sched.start_date !== undefined) report.add('info', `schedule ${sched.name}: start_date is not carried over (the first job runs when the integration is resumed)`, at);
  }

  // Extractors that no job or schedule runs: paired with the loader when there is only one.
  const loaders = project.plugins.get('loaders')!;
  for (const e of project.plugins.get('extractors')!) {
    if (named.has(e.value.name)) continue;
    const at = where(e.file, e.path);
    if (loaders.length === 1) {
      const loader = loaders[0]!.value.name;
      add({ extractor: e.value.name, loader, mappers: [], name: `${e.value.name}-to-${loader}`, job: null, schedule: null, where: at });
    } else {
      report.add(
        'unsupported',
        `extractor ${e.value.name} is in no job or schedule, and with ${loaders.length} loaders in the project its loader is not clear; add a job (\`meltano job add\`) and import again`,
        at,
      );
    }
  }
  for (const p of pipelines) p.name = integrationName(p.name, pipelines, p);
  return pipelines;
}

function attachSchedule(p: Pipeline, s: Located<{ name: string; interval?: string | undefined; env?: Record<string, string> | undefined }>, report: Report): void {
  if (p.schedule) {
    report.add('warning', `${p.name} already follows schedule ${p.schedule.value.name}; schedule ${s.value.name} is not carried over`, where(s.file, s.path));
    return;
  }
  p.schedule = s;
}

/** A block of a job's tasks, resolved as Meltano's BlockParser resolves it. */
interface Block {
  /** As written: a plugin's name, or a mapping's. */
  name: string;
  type: PluginType;
  /** The plugin it runs (for a mapping, its mapper). */
  plugin: string;
  mapping: string | null;
  command: string | undefined;
  at: string;
}

/**
 * A job's extract-load sets, found as `meltano run` finds them (meltano/core/block/block_parser.py), with
 * its refusals: a block sequence it rejects refuses the whole job, so nothing of it is imported.
 */
function jobSets(
  project: MeltanoProject,
  job: Located<{ name: string; tasks: string | (string | string[])[] }>,
  report: Report,
  chain: string[],
): { sets: PipelineSet[]; extractors: string[]; refusal: Refusal | null; text: string } {
  if (chain.includes(job.value.name)) {
    throw usageError(`${where(job.file, job.path)}: the job "${job.value.name}" runs itself through ${[...chain, job.value.name].join(' -> ')}; break the cycle.`);
  }
  const name = job.value.name;
  const sets: PipelineSet[] = [];
  const extractors: string[] = [];
  let refusal: Refusal | null = null;
  const blocks: Block[] = [];
  const words: string[] = [];
  const tasks = typeof job.value.tasks === 'string' ? [job.value.tasks] : job.value.tasks;
  tasks.forEach((task, i) => {
    const taskPath = typeof job.value.tasks === 'string' ? [...job.path, 'tasks'] : [...job.path, 'tasks', i];
    const at = where(job.file, taskPath);
    for (const text of (Array.isArray(task) ? task : [task]).flatMap((t) => t.split(/\s+/)).filter((b) => b !== '')) {
      words.push(text);
      const [blockName, command] = text.split(':', 2) as [string, string | undefined];
      const nested = command === undefined ? project.jobs.find((j) => j.value.name === blockName) : undefined;
      if (nested) {
        const inner = jobSets(project, nested, report, [...chain, name]);
        sets.push(...inner.sets);
        extractors.push(...inner.extractors);
        refusal ??= inner.refusal;
        continue;
      }
      const found = findPlugin(project, blockName);
      if (found) {
        blocks.push({ name: blockName, type: found.type, plugin: blockName, mapping: null, command, at });
        continue;
      }
      const mappers = findMappings(project, blockName);
      if (mappers.length === 0) {
        throw usageError(`${at}: the job "${name}" runs "${blockName}", which is no plugin, mapping or job of the project; add it (\`meltano add\`) or fix the name.`);
      }
      if (mappers.length > 1) {
        refusal ??= { reason: `Ambiguous mapping name ${blockName}, found multiple matches.`, fix: `rename the mapping in one of ${mappers.map((m) => m.value.name).join(', ')}`, at };
      }
      blocks.push({ name: blockName, type: 'mappers', plugin: mappers[0]!.value.name, mapping: blockName, command, at });
    }
  });
  for (const b of blocks) if (b.type === 'extractors') extractors.push(b.plugin);

  // BlockParser._mappings_ref: the name written at each mapper block's index in the job.
  const written = (i: number): string | undefined => (blocks[i]?.type === 'mappers' ? blocks[i]!.name : undefined);
  const badSequence = (i: number): Refusal => ({
    reason: `Unknown command type or bad block sequence at index ${i + 1}, starting block '${blocks[i]!.plugin}'`,
    fix: 'an extractor must be followed by its mappers and a loader',
    at: blocks[i]!.at,
  });
  for (let cur = 0; cur < blocks.length && refusal === null; ) {
    const b = blocks[cur]!;
    if (b.command !== undefined) {
      report.add('unsupported', `job ${name}: the command ${b.name}:${b.command} (${singular(b.type)}) is not run by the engine, which runs extract-load pipelines only`, b.at);
    }
    if (b.type === 'extractors') {
      const mappers: MapperUse[] = [];
      let loader: string | null = null;
      let j = cur + 1;
      for (; j < blocks.length && loader === null && refusal === null; j++) {
        const p = blocks[j]!;
        if (p.type === 'loaders') loader = p.plugin;
        else if (p.type !== 'mappers') refusal = badSequence(cur);
        // Meltano compares the mapper's plugin name with the name written at the block's index counted
        // from the set's start: a set that starts the job refuses a mapper named by its plugin's name.
        else if (p.plugin === written(j - cur)) refusal = { reason: `Expected unique mappings name not the mapper plugin name: ${p.plugin}.`, fix: mappingHint(project, p.plugin), at: p.at };
        else mappers.push({ plugin: p.plugin, mapping: p.mapping });
      }
      if (refusal === null && loader === null) refusal = { reason: 'Loader missing in block set!', fix: `give ${b.name} a loader after it`, at: b.at };
      if (refusal === null) sets.push({ extractor: b.plugin, loader: loader!, mappers, where: b.at });
      cur = j;
    } else if (b.type === 'loaders' || b.type === 'mappers') {
      refusal = badSequence(cur);
    } else {
      if (b.command === undefined) report.add('unsupported', `job ${name}: ${b.name} (${singular(b.type)}) is not run by the engine, which runs extract-load pipelines only`, b.at);
      cur++;
    }
  }
  return { sets, extractors, refusal, text: words.join(' ') };
}

interface Refusal {
  /** Meltano's own words. */
  reason: string;
  fix: string | null;
  at: string;
}

function mappingHint(project: MeltanoProject, mapper: string): string {
  const names = (findPlugin(project, mapper)?.plugin.value.mappings ?? []).map((m) => m.name);
  return names.length > 0 ? `name one of ${mapper}'s mappings instead (${names.join(', ')})` : `give ${mapper} a mapping (mappings: [{name, config}]) and name that instead`;
}

function pluginOfType(project: MeltanoProject, name: string, type: PluginType, at: string, who: string): string {
  const found = findPlugin(project, name);
  if (!found) throw usageError(`${at}: ${who} names the ${singular(type)} "${name}", which the project does not define; add it (\`meltano add\`) or fix the name.`);
  if (found.type !== type) throw usageError(`${at}: ${who} names "${name}" as its ${singular(type)}, but it is one of the project's ${found.type}.`);
  return name;
}

/** A valid integration name, unique among the planned ones. */
function integrationName(wanted: string, all: Pipeline[], self: Pipeline): string {
  let base = wanted.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'meltano';
  if (!INTEGRATION_NAME.test(base)) base = `m-${base}`.slice(0, 64);
  let name = base;
  for (let n = 2; all.some((p) => p !== self && p.name === name); n++) name = `${base.slice(0, 60)}-${n}`;
  return name;
}

/** Plugins no imported pipeline runs: utilities and the like, and mappers in no imported pipeline. */
export function reportLeftovers(project: MeltanoProject, pipelines: readonly Pipeline[], report: Report): void {
  const usedMappers = new Set(pipelines.flatMap((p) => p.mappers.map((m) => m.plugin)));
  const names = project.plugins
    .get('mappers')!
    .filter((m) => !usedMappers.has(m.value.name))
    .map((m) => `${m.value.name} (mapper, in no imported pipeline)`);
  const kinds: PluginType[] = ['transformers', 'transforms', 'orchestrators', 'utilities', 'files'];
  names.push(...kinds.flatMap((k) => project.plugins.get(k)!.map((p) => `${p.value.name} (${singular(k)})`)));
  if (names.length > 0) report.add('unsupported', `not imported, since the engine runs extract-load pipelines (with their mappers) only: ${names.join(', ')}`);
}

const SINGULAR: Record<PluginType, string> = {
  extractors: 'extractor',
  loaders: 'loader',
  mappers: 'mapper',
  orchestrators: 'orchestrator',
  transformers: 'transformer',
  files: 'file bundle',
  utilities: 'utility',
  transforms: 'transform',
};

export function singular(type: PluginType): string {
  return SINGULAR[type];
}
