/**
 * The Integration Settings page's messages, both ways, as zod schemas: the one definition the page
 * (bundled into dist/webview/settings.js) and the host (through dist/core.js, since zod stays out of
 * the extension bundle) both validate with. Whatever does not match is dropped and logged, never acted on.
 *
 * The conversation: the page says `ready`; only then does the host post the `snapshot` (and again on
 * every change of the integration). The page asks to `check` its form as the user edits and gets
 * `checked` (field errors, warnings, the next start times); `save` answers `saveResult`.
 */
import * as z from 'zod';
import { JOB_STATUSES, TRIGGERS } from '../core/model';
import type { JobView, StatusView } from '../core/settingsCheck';
import type { EnvRow, SettingsForm } from '../core/settingsForm';

const EnvRowSchema: z.ZodType<EnvRow> = z.object({ key: z.string(), value: z.string() });

export const SettingsFormSchema: z.ZodType<SettingsForm> = z.object({
  tap: z.string(),
  tapConfig: z.string(),
  target: z.string(),
  targetConfig: z.string(),
  catalog: z.string(),
  env: z.array(EnvRowSchema).max(500),
  mode: z.enum(['default', 'interval', 'cron']),
  everyMs: z.number().int().positive(),
  cron: z.string(),
  timezone: z.string(),
});

const FILE_FIELDS = ['tapConfig', 'targetConfig', 'catalog'] as const;
export type FileField = (typeof FILE_FIELDS)[number];
const Seq = z.number().int().nonnegative();
const JobId = z.string().regex(/^\d{6,}$/);
const Time = z.iso.datetime();

export const ToHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('check'), seq: Seq, form: SettingsFormSchema }),
  /** `base`: the saved form the edits started from; the host refuses the save when the integration moved on. */
  z.object({ type: z.literal('save'), seq: Seq, base: SettingsFormSchema, form: SettingsFormSchema }),
  z.object({ type: z.literal('browse'), field: z.enum(FILE_FIELDS) }),
  z.object({ type: z.literal('setPaused'), paused: z.boolean() }),
  z.object({ type: z.literal('showLog'), job: JobId }),
  z.object({ type: z.literal('openDefaultSetting') }),
]);
export type ToHost = z.infer<typeof ToHostSchema>;

const JobViewSchema: z.ZodType<JobView> = z.object({
  id: JobId,
  status: z.enum(JOB_STATUSES),
  trigger: z.enum(TRIGGERS),
  startedAt: Time,
  endedAt: Time.nullable(),
  records: z.number().int().nonnegative(),
  error: z.string().nullable(),
  hasLog: z.boolean(),
});

const StatusViewSchema: z.ZodType<StatusView> = z.object({
  syncStatus: z.enum(['Pending', 'Running', 'Stopping', 'Scheduled', 'Paused', 'Failed']),
  paused: z.boolean(),
  schedule: z.string(),
  nextRunAt: Time.nullable(),
  lastJob: JobViewSchema.nullable(),
  history: z.array(JobViewSchema).max(100),
});

export const SnapshotSchema = z.object({
  /** The workspace folder's URI, and its name as the tree shows it. */
  folder: z.string(),
  folderName: z.string(),
  name: z.string(),
  /** The integration as saved, as a form. */
  form: SettingsFormSchema,
  defaultFrequencyMs: z.number().int().positive(),
  /** The mapper stages between tap and target, in order, shown read-only: the command as text, the config path ('' for none). */
  mappers: z.array(z.object({ name: z.string(), command: z.string(), config: z.string() })).max(100),
  /** Restricted Mode: the scheduler does not run here. */
  trusted: z.boolean(),
  status: StatusViewSchema,
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

const Messages = z.record(z.string(), z.string());

export const CheckResultSchema = z.object({
  errors: Messages,
  warnings: Messages,
  argv: z.object({ tap: z.array(z.string()).nullable(), target: z.array(z.string()).nullable() }),
  /** The next start times of the form's schedule (ISO), or why there are none. */
  upcoming: z.object({ runs: z.array(Time).max(10), note: z.string().nullable() }),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;

export const SAVE_OUTCOMES = ['saved', 'unchanged', 'invalid', 'conflict', 'failed'] as const;

export const ToPageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('snapshot'), snapshot: SnapshotSchema }),
  /** The integration is not there any more (deleted, or its folder closed). */
  z.object({ type: z.literal('gone'), message: z.string() }),
  z.object({ type: z.literal('checked'), seq: Seq, result: CheckResultSchema }),
  z.object({ type: z.literal('saveResult'), seq: Seq, outcome: z.enum(SAVE_OUTCOMES), message: z.string().nullable(), result: CheckResultSchema.nullable() }),
  z.object({ type: z.literal('browsed'), field: z.enum(FILE_FIELDS), path: z.string() }),
  z.object({ type: z.literal('notice'), level: z.enum(['info', 'error']), text: z.string() }),
]);
export type ToPage = z.infer<typeof ToPageSchema>;

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

/** A message from the page, validated; `error` says what was wrong, for the log. */
export function parseToHost(raw: unknown): Parsed<ToHost> {
  return parse(ToHostSchema, raw);
}

/** A message from the host, validated. */
export function parseToPage(raw: unknown): Parsed<ToPage> {
  return parse(ToPageSchema, raw);
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): Parsed<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, message: r.data };
  const issue = r.error.issues[0];
  const type = typeof raw === 'object' && raw !== null && 'type' in raw ? JSON.stringify((raw as { type: unknown }).type).slice(0, 40) : 'none';
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: `message of type ${type} dropped: ${issue?.message ?? 'not valid'}${where}` };
}
