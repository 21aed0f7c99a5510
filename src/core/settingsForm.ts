/**
 * The Integration Settings page's form (DESIGN §6): what the page edits, made from an integration and
 * compared with it. Pure and light (no zod, no croner, no node:fs), so the page's browser bundle and
 * the extension bundle both import it; the checks that need the engine are in settingsCheck.ts.
 */
import { joinCommand } from './argv';
import { FREQUENCY_STEPS_MS, everyText } from './duration';
import type { Integration } from './model';

/** The form's fields as the page shows them: commands as text, files as paths ('' for none). */
export interface SettingsForm {
  tap: string;
  tapConfig: string;
  target: string;
  targetConfig: string;
  catalog: string;
  env: EnvRow[];
  /** `default` follows singer.defaultReplicationFrequency; `interval` is the slider; `cron` the advanced schedule. */
  mode: 'default' | 'interval' | 'cron';
  /** The slider's duration; kept while another mode is chosen, so unticking returns to it. */
  everyMs: number;
  cron: string;
  /** '' is the machine's local time. */
  timezone: string;
}

export interface EnvRow {
  key: string;
  value: string;
}

/** Where an error or warning is shown; `env.N` is the N-th environment row. */
export type FieldId = 'tap' | 'tapConfig' | 'target' | 'targetConfig' | 'catalog' | 'env' | 'frequency' | 'cron' | 'timezone' | `env.${number}`;

/** The part of an integration the page saves; anything not in it stays as it is. */
export type SettingsPatch = Partial<Pick<Integration, 'tap' | 'target' | 'tapConfig' | 'targetConfig' | 'catalog' | 'env' | 'schedule'>>;

/** The form's sections, in the words the page and the conflict message use. */
export const FIELD_NAMES: Record<keyof SettingsForm, string> = {
  tap: 'Tap command',
  tapConfig: 'Tap config file',
  target: 'Target command',
  targetConfig: 'Target config file',
  catalog: 'Catalog file',
  env: 'Environment variables',
  mode: 'Replication Frequency',
  everyMs: 'Replication Frequency',
  cron: 'Cron expression',
  timezone: 'Time zone',
};

export function formOf(it: Pick<Integration, 'tap' | 'target' | 'tapConfig' | 'targetConfig' | 'catalog' | 'env' | 'schedule'>, defaultFrequencyMs: number): SettingsForm {
  const s = it.schedule;
  return {
    tap: joinCommand(it.tap),
    tapConfig: it.tapConfig ?? '',
    target: joinCommand(it.target),
    targetConfig: it.targetConfig ?? '',
    catalog: it.catalog ?? '',
    env: Object.entries(it.env).map(([key, value]) => ({ key, value })),
    mode: s.kind,
    // A cron or default integration puts the slider where unticking would leave it: the default's step.
    everyMs: s.kind === 'interval' ? s.everyMs : defaultFrequencyMs,
    cron: s.kind === 'cron' ? s.expression : '',
    timezone: s.kind === 'cron' ? (s.timezone ?? '') : '',
  };
}

/** The fields that differ, ignoring what the chosen mode does not use (a cron text while the slider rules). */
export function changedFields(a: SettingsForm, b: SettingsForm): Array<keyof SettingsForm> {
  const out: Array<keyof SettingsForm> = [];
  for (const k of ['tap', 'tapConfig', 'target', 'targetConfig', 'catalog'] as const) if (a[k] !== b[k]) out.push(k);
  if (JSON.stringify(a.env) !== JSON.stringify(b.env)) out.push('env');
  if (a.mode !== b.mode) out.push('mode');
  else if (a.mode === 'interval' && a.everyMs !== b.everyMs) out.push('everyMs');
  else if (a.mode === 'cron') {
    if (a.cron !== b.cron) out.push('cron');
    if (a.timezone !== b.timezone) out.push('timezone');
  }
  return out;
}

export function sameForm(a: SettingsForm, b: SettingsForm): boolean {
  return changedFields(a, b).length === 0;
}

/** "Replication Frequency, Tap command": the sections a change touched, each named once. */
export function describeChanges(fields: ReadonlyArray<keyof SettingsForm>): string {
  return [...new Set(fields.map((f) => FIELD_NAMES[f]))].join(', ');
}

/** The slider's position for a duration: its step, or -1 when it is not one (e.g. `90s` set by the CLI). */
export function stepIndexOf(ms: number): number {
  return FREQUENCY_STEPS_MS.indexOf(ms);
}

/** Where the slider's thumb sits for any duration: its step, else the nearest one (the label keeps the real value). */
export function sliderPosition(ms: number): number {
  let best = 0;
  for (let i = 1; i < FREQUENCY_STEPS_MS.length; i++) {
    if (Math.abs(FREQUENCY_STEPS_MS[i]! - ms) < Math.abs(FREQUENCY_STEPS_MS[best]! - ms)) best = i;
  }
  return best;
}

/** The duration of a slider position. */
export function stepDuration(position: number): number {
  const i = Math.min(FREQUENCY_STEPS_MS.length - 1, Math.max(0, Math.round(position)));
  return FREQUENCY_STEPS_MS[i]!;
}

/** The tick labels under the slider: 1m 5m … 24h. */
export function stepLabel(ms: number): string {
  return ms < 3_600_000 ? `${ms / 60_000}m` : `${ms / 3_600_000}h`;
}

/** The words beside the slider and its aria-valuetext: "Every 30 minutes", "Every 90 seconds". */
export function frequencyText(ms: number): string {
  return everyText(ms);
}
