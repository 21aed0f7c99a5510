/**
 * Create Integration: a multi-step quick input (name, tap, tap config, target, target config,
 * Replication Frequency) that checks each step as `add` does (src/core/newIntegration.ts) and shows
 * the error on the step that caused it; Back works. The new integration's first job starts as soon
 * as the scheduler sees it (rule 2).
 */
import * as vscode from 'vscode';
import { FREQUENCY_STEPS_MS, everyText, formatDuration } from '../core/duration';
import type { FieldLabels } from '../core/newIntegration';
import { ui } from './ui';
import { COMMANDS } from './constants';
import { core } from './core';
import type { FolderEntry, Folders } from './folders';
import { inputStep, pickStep, type StepResult, type Validation } from './quickSteps';

const TITLE = 'Create Integration';
const LABELS: FieldLabels = {
  tap: 'Tap command',
  target: 'Target command',
  tapConfig: 'Tap config file',
  targetConfig: 'Target config file',
  catalog: 'Catalog file',
  frequency: 'Replication Frequency',
  cron: 'Cron expression',
  timezone: 'Time zone',
  env: 'Environment variable',
};
const DEFAULT = 'default';
const CRON = 'cron';

interface Answers {
  entry?: FolderEntry;
  name?: string;
  tap?: string;
  tapConfig?: string;
  target?: string;
  targetConfig?: string;
  frequency?: string;
  cron?: string;
  timezone?: string;
}

type Step = (a: Answers, pos: { step: number; total: number; back: boolean }) => Promise<StepResult<Partial<Answers>>>;

export function registerCreateIntegration(context: vscode.ExtensionContext, folders: Folders): void {
  context.subscriptions.push(vscode.commands.registerCommand(COMMANDS.createIntegration, () => createIntegration(folders)));
}

export async function createIntegration(folders: Folders): Promise<string | undefined> {
  folders.start();
  const entries = folders.list();
  if (entries.length === 0) {
    void ui.message('error', 'Create Integration: open a folder first; its integrations live in its .singer/ folder.');
    return undefined;
  }
  const steps: Step[] = [];
  const a: Answers = entries.length === 1 ? { entry: entries[0]! } : {};
  if (entries.length > 1) steps.push(folderStep(entries));
  steps.push(nameStep, commandStep('tap'), fileStep('tap'), commandStep('target'), fileStep('target'), frequencyStep);

  for (let i = 0; i < steps.length; ) {
    const cron = a.frequency === CRON;
    const total = steps.length + (cron ? 2 : 0);
    const r = await steps[i]!(a, { step: i + 1, total, back: i > 0 });
    if (r.kind === 'cancel') return undefined;
    if (r.kind === 'back') {
      i--;
      continue;
    }
    Object.assign(a, r.value);
    if (steps[i] === frequencyStep && a.frequency === CRON) {
      const c = await cronSteps(a, i + 2, total + (cron ? 0 : 2));
      if (c === 'cancel') return undefined;
      if (c === 'back') continue;
    }
    i++;
  }
  return create(a);
}

async function create(a: Answers): Promise<string | undefined> {
  const entry = a.entry!;
  const { newIntegration } = core();
  try {
    const { integration, warnings } = newIntegration(
      entry.workspace.engine.paths,
      {
        name: a.name!,
        tap: a.tap,
        target: a.target,
        tapConfig: a.tapConfig || null,
        targetConfig: a.targetConfig || null,
        ...(a.frequency === CRON ? { cron: a.cron, ...(a.timezone ? { timezone: a.timezone } : {}) } : { frequency: a.frequency }),
      },
      LABELS,
    );
    const it = await entry.workspace.engine.add(integration);
    for (const w of warnings) void ui.message('warning', `${it.name}: ${w}`);
    const first = vscode.workspace.isTrusted
      ? 'Its first job starts now.'
      : 'Its first job starts once the workspace is trusted (Restricted Mode runs no programs).';
    void ui.message('info', `Created the integration ${it.name}. ${first}`, 'Open Settings').then((x) => {
      if (x) void vscode.commands.executeCommand(COMMANDS.openSettings, { folder: entry.folder.uri.toString(), name: it.name });
    });
    return it.name;
  } catch (err) {
    void ui.message('error', `Create Integration: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

function folderStep(entries: FolderEntry[]): Step {
  return async (a, pos) => {
    const r = await pickStep({
      title: TITLE,
      ...pos,
      totalSteps: pos.total,
      placeholder: 'Which workspace folder holds the integration?',
      items: entries.map((e) => ({ label: e.folder.name, description: e.folder.uri.fsPath, value: e })),
      ...(a.entry ? { active: a.entry } : {}),
    });
    return r.kind === 'value' ? { kind: 'value', value: { entry: r.value } } : r;
  };
}

const nameStep: Step = async (a, pos) => {
  const existing = (await a.entry!.workspace.rows().catch(() => [])).map((r) => r.integration.name);
  const r = await inputStep({
    title: TITLE,
    ...pos,
    totalSteps: pos.total,
    value: a.name ?? '',
    prompt: 'A name for the integration: letters, digits, "_", "." or "-" (e.g. github-to-warehouse)',
    placeholder: 'Name',
    validate: (v) => (v === '' ? 'Enter a name.' : (core().nameProblem(v, existing) ?? undefined)),
  });
  return r.kind === 'value' ? { kind: 'value', value: { name: r.value } } : r;
};

function commandStep(role: 'tap' | 'target'): Step {
  return async (a, pos) => {
    const r = await inputStep({
      title: TITLE,
      ...pos,
      totalSteps: pos.total,
      value: (role === 'tap' ? a.tap : a.target) ?? '',
      prompt:
        role === 'tap'
          ? 'The tap to run, as you would type it (no shell: no pipes or variables), e.g. tap-github or .venv/bin/python tap.py'
          : 'The target to load into, e.g. target-jsonl or .venv/bin/target-postgres',
      placeholder: role === 'tap' ? 'Tap command' : 'Target command',
      validate: (v) => commandProblem(a.entry!, v, role),
    });
    return r.kind === 'value' ? { kind: 'value', value: role === 'tap' ? { tap: r.value } : { target: r.value } } : r;
  };
}

function commandProblem(entry: FolderEntry, text: string, role: 'tap' | 'target'): Validation {
  if (text.trim() === '') return `Enter the ${role} command.`;
  const { commandFrom, missingPrograms } = core();
  let argv: string[];
  try {
    argv = commandFrom(text, role, LABELS);
  } catch (err) {
    return (err as Error).message;
  }
  // A program not installed yet is accepted, as `add` accepts it, with a warning.
  const missing = missingPrograms(entry.workspace.engine.paths, { tap: argv, target: argv, env: {} }, process.env.PATH)[0];
  return missing ? { message: missing.replace(/^the (tap|target)/, `the ${role}`), severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
}

function fileStep(role: 'tap' | 'target'): Step {
  const label = role === 'tap' ? LABELS.tapConfig : LABELS.targetConfig;
  return async (a, pos) => {
    const entry = a.entry!;
    const r = await inputStep({
      title: TITLE,
      ...pos,
      totalSteps: pos.total,
      value: (role === 'tap' ? a.tapConfig : a.targetConfig) ?? '',
      prompt: `The ${role}'s config file (JSON), kept by path and read when each job starts. Leave empty for none; the folder button browses.`,
      placeholder: `${label} (optional), e.g. config/${role}.json`,
      validate: (v) => {
        if (v.trim() === '') return undefined;
        try {
          core().fileRefFrom(entry.workspace.engine.paths, v.trim(), label);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
      buttons: [
        {
          button: { iconPath: new vscode.ThemeIcon('folder-opened'), tooltip: 'Browse…' },
          run: async () => {
            const picked = await vscode.window.showOpenDialog({
              defaultUri: entry.folder.uri,
              canSelectMany: false,
              filters: { JSON: ['json'] },
              openLabel: `Use as the ${role} config`,
            });
            return picked?.[0] ? entry.workspace.engine.paths.relative(picked[0].fsPath) : undefined;
          },
        },
      ],
    });
    if (r.kind !== 'value') return r;
    const v = r.value.trim();
    return { kind: 'value', value: role === 'tap' ? { tapConfig: v } : { targetConfig: v } };
  };
}

const frequencyStep: Step = async (a, pos) => {
  const fallback = vscode.workspace.getConfiguration('singer', a.entry!.folder.uri).get<string>('defaultReplicationFrequency') ?? '1h';
  const r = await pickStep<string>({
    title: TITLE,
    ...pos,
    totalSteps: pos.total,
    placeholder: 'Replication Frequency: how often a job starts (counted from the previous start)',
    items: [
      { label: 'Use integration default', description: `every ${fallback} (singer.defaultReplicationFrequency)`, value: DEFAULT },
      ...FREQUENCY_STEPS_MS.map((ms) => ({ label: everyText(ms), value: formatDuration(ms) })),
      { label: 'Cron expression…', description: 'calendar times, e.g. 0 6 * * * (every day at 06:00)', value: CRON },
    ],
    active: a.frequency ?? DEFAULT,
  });
  return r.kind === 'value' ? { kind: 'value', value: { frequency: r.value } } : r;
};

/** The cron expression and its time zone; 'back' returns to the frequency step. */
async function cronSteps(a: Answers, step: number, total: number): Promise<'done' | 'back' | 'cancel'> {
  const { validateCron } = core();
  for (let sub = 0; sub < 2; ) {
    if (sub === 0) {
      const r = await inputStep({
        title: TITLE,
        step,
        totalSteps: total,
        back: true,
        value: a.cron ?? '',
        prompt: 'Cron expression: minute hour day-of-month month day-of-week (croner syntax), e.g. 0 6 * * 1-5',
        placeholder: '0 6 * * *',
        validate: (v) => {
          const c = validateCron(v);
          return c.ok ? undefined : c.error;
        },
      });
      if (r.kind === 'cancel') return 'cancel';
      if (r.kind === 'back') return 'back';
      a.cron = r.value.trim();
      sub++;
    } else {
      const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const r = await inputStep({
        title: TITLE,
        step: step + 1,
        totalSteps: total,
        back: true,
        value: a.timezone ?? '',
        prompt: `Time zone of the cron times (IANA name, e.g. Europe/Berlin). Leave empty for this machine's (${local}).`,
        placeholder: local,
        validate: (v) => {
          if (v.trim() === '') return undefined;
          const c = validateCron(a.cron!, v.trim());
          return c.ok ? undefined : c.error;
        },
      });
      if (r.kind === 'cancel') return 'cancel';
      if (r.kind === 'back') {
        sub--;
        continue;
      }
      a.timezone = r.value.trim();
      sub++;
    }
  }
  return 'done';
}
