/**
 * The pipelines of a Meltano project as import finds them: the extractor -> loader pairs its jobs and
 * schedules run (and an extractor no job runs, when the project has a single loader), each named and
 * with the schedule that runs it. What does not form such a pipeline is reported.
 */
import { usageError } from '../errors';
import { INTEGRATION_NAME } from '../model';
import { findPlugin, type Located, type MeltanoProject, type PluginType } from './project';
import type { Report } from './report';
import { where } from './yamlFile';

export interface Pipeline {
  extractor: string;
  loader: string;
  name: string;
  job: string | null;
  schedule: Located<{ name: string; interval?: string | undefined; env?: Record<string, string> | undefined }> | null;
  where: string;
}

export function findPipelines(project: MeltanoProject, report: Report): Pipeline[] {
  const pipelines: Pipeline[] = [];
  const byPair = new Map<string, Pipeline>();
  const jobPipelines = new Map<string, Pipeline[]>();
  const add = (p: Pipeline): Pipeline => {
    const key = `${p.extractor}\0${p.loader}`;
    const first = byPair.get(key);
    if (first) {
      report.add(
        'info',
        `${p.extractor} -> ${p.loader} also runs here; it was imported once, as ${first.name}, since Meltano keeps one state for the pair`,
        p.where,
      );
      return first;
    }
    byPair.set(key, p);
    pipelines.push(p);
    return p;
  };

  for (const job of project.jobs) {
    const pairs = jobPairs(project, job, report, []);
    const list = pairs.map((pair) =>
      add({ ...pair, name: pairs.length === 1 ? job.value.name : `${pair.extractor}-to-${pair.loader}`, job: job.value.name, schedule: null }),
    );
    jobPipelines.set(job.value.name, list);
  }

  for (const s of project.schedules) {
    const sched = s.value;
    const at = where(s.file, s.path);
    if (sched.job !== undefined) {
      const list = jobPipelines.get(sched.job);
      if (!list) throw usageError(`${where(s.file, [...s.path, 'job'])}: the schedule "${sched.name}" runs the job "${sched.job}", which the project does not define.`);
      if (list.length === 0) report.add('unsupported', `schedule ${sched.name} runs job ${sched.job}, which has no extractor -> loader pipeline`, at);
      for (const p of list) attachSchedule(p, s, report);
    } else if (sched.extractor !== undefined && sched.loader !== undefined) {
      const ext = pluginOfType(project, sched.extractor, 'extractors', where(s.file, [...s.path, 'extractor']), `the schedule "${sched.name}"`);
      const loader = pluginOfType(project, sched.loader, 'loaders', where(s.file, [...s.path, 'loader']), `the schedule "${sched.name}"`);
      if (sched.transform === 'run' || sched.transform === 'only') {
        report.add('unsupported', `schedule ${sched.name} has transform: ${sched.transform}; the engine runs the extract-load part only`, at);
      }
      if (sched.transform === 'only') continue;
      const p = add({ extractor: ext, loader, name: sched.name, job: null, schedule: null, where: at });
      attachSchedule(p, s, report);
    } else {
      throw usageError(`${at}: the schedule "${sched.name}" names neither a job nor an extractor and a loader; Meltano needs one or the other.`);
    }
    if (sched.start_date !== undefined) report.add('info', `schedule ${sched.name}: start_date is not carried over (the first job runs when the integration is resumed)`, at);
  }

  // Extractors that no job or schedule runs: paired with the loader when there is only one.
  const used = new Set(pipelines.map((p) => p.extractor));
  const loaders = project.plugins.get('loaders')!;
  for (const e of project.plugins.get('extractors')!) {
    if (used.has(e.value.name)) continue;
    const at = where(e.file, e.path);
    if (loaders.length === 1) {
      const loader = loaders[0]!.value.name;
      add({ extractor: e.value.name, loader, name: `${e.value.name}-to-${loader}`, job: null, schedule: null, where: at });
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

/** The extractor -> loader pairs of a job's tasks, in order. */
function jobPairs(project: MeltanoProject, job: Located<{ name: string; tasks: string | (string | string[])[] }>, report: Report, chain: string[]): { extractor: string; loader: string; where: string }[] {
  if (chain.includes(job.value.name)) {
    throw usageError(`${where(job.file, job.path)}: the job "${job.value.name}" runs itself through ${[...chain, job.value.name].join(' -> ')}; break the cycle.`);
  }
  const tasks = typeof job.value.tasks === 'string' ? [job.value.tasks] : job.value.tasks;
  const pairs: { extractor: string; loader: string; where: string }[] = [];
  tasks.forEach((task, i) => {
    const taskPath = typeof job.value.tasks === 'string' ? [...job.path, 'tasks'] : [...job.path, 'tasks', i];
    const at = where(job.file, taskPath);
    const blocks = (Array.isArray(task) ? task : [task]).flatMap((t) => t.split(/\s+/)).filter((b) => b !== '');
    let extractor: string | null = null;
    let mappers: string[] = [];
    for (const block of blocks) {
      const [pluginName, command] = block.split(':', 2) as [string, string | undefined];
      const nested = command === undefined ? project.jobs.find((j) => j.value.name === pluginName) : undefined;
      if (nested) {
        pairs.push(...jobPairs(project, nested, report, [...chain, job.value.name]));
        continue;
      }
      const found = findPlugin(project, pluginName);
      if (!found) {
        throw usageError(`${at}: the job "${job.value.name}" runs "${pluginName}", which is no plugin or job of the project; add it (\`meltano add\`) or fix the name.`);
      }
      if (command !== undefined) {
        report.add('unsupported', `job ${job.value.name}: the command ${block} (${singular(found.type)}) is not run by the engine, which runs extract-load pipelines only`, at);
        continue;
      }
      if (found.type === 'extractors') {
        if (extractor) report.add('unsupported', `job ${job.value.name}: extractor ${extractor} has no loader after it`, at);
        extractor = pluginName;
        mappers = [];
      } else if (found.type === 'mappers') {
        if (extractor) mappers.push(pluginName);
      } else if (found.type === 'loaders') {
        if (!extractor) {
          report.add('unsupported', `job ${job.value.name}: loader ${pluginName} has no extractor before it`, at);
        } else if (mappers.length > 0) {
          report.add(
            'unsupported',
            `job ${job.value.name}: ${extractor} -> ${mappers.join(' -> ')} -> ${pluginName} goes through the mapper${mappers.length > 1 ? 's' : ''} ${mappers.join(', ')}, which the engine cannot run between tap and target; not imported`,
            at,
          );
        } else pairs.push({ extractor, loader: pluginName, where: at });
        extractor = null;
        mappers = [];
      } else {
        report.add('unsupported', `job ${job.value.name}: ${pluginName} (${singular(found.type)}) is not run by the engine, which runs extract-load pipelines only`, at);
      }
    }
    if (extractor) report.add('unsupported', `job ${job.value.name}: extractor ${extractor} has no loader after it`, at);
  });
  return pairs;
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

export function reportLeftovers(project: MeltanoProject, report: Report): void {
  const kinds: PluginType[] = ['mappers', 'transformers', 'transforms', 'orchestrators', 'utilities', 'files'];
  const names = kinds.flatMap((k) => project.plugins.get(k)!.map((p) => `${p.value.name} (${singular(k)})`));
  if (names.length > 0) report.add('unsupported', `not imported, since the engine runs extract-load pipelines only: ${names.join(', ')}`);
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
