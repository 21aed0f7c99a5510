/**
 * The database's shapes. Every read of `.singer/db.json` is validated against `DatabaseSchema`.
 *
 * Written with zod/mini, whose schemas are plain objects: zod's classic API gives every schema
 * dozens of methods as it is made, and making these took ~10 ms of each command's start (issue 15:
 * a 10-record `run` is timed against a raw pipe). The English messages are zod's own.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export const INTEGRATION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const IntegrationName = z.string().check(
  z.regex(INTEGRATION_NAME, { message: 'a name is 1-64 letters, digits, "_", "." or "-", starting with a letter or digit' }),
);

export const Argv = z.array(z.string()).check(z.minLength(1));
const nonEmpty = (): z.ZodMiniString => z.string().check(z.minLength(1));
const count = (): z.ZodMiniNumberFormat => z.int().check(z.nonnegative());
/** A value that may be null, null when absent. */
const orNull = <T extends z.core.SomeType>(schema: T) => z._default(z.nullable(schema), null);

/** `default` follows the workspace setting `singer.defaultReplicationFrequency`. */
export const ScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('default') }),
  z.object({ kind: z.literal('interval'), everyMs: z.int().check(z.gte(1000)) }),
  z.object({ kind: z.literal('cron'), expression: nonEmpty(), timezone: z.optional(nonEmpty()) }),
]);
export type Schedule = z.infer<typeof ScheduleSchema>;

/**
 * A mapper stage (DESIGN §5 "Mapper stages"): a program run as `COMMAND --config FILE` between the tap
 * and the target, in the order listed. `name` is how logs and the views call it (a Meltano mapping's name).
 */
export const MapperSchema = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(128)),
  command: Argv,
  /** A path like tapConfig, read when each job starts; null: an empty `{}`. */
  config: orNull(z.string()),
});
export type Mapper = z.infer<typeof MapperSchema>;

export const IntegrationSchema = z.object({
  name: IntegrationName,
  tap: Argv,
  target: Argv,
  /** Paths, relative to the workspace folder when inside it; read when each job starts. */
  tapConfig: orNull(z.string()),
  targetConfig: orNull(z.string()),
  catalog: orNull(z.string()),
  /** Between the tap and the target, in order: `tap | mapper… | target`. */
  mappers: z._default(z.array(MapperSchema), []),
  env: z._default(z.record(z.string(), z.string()), {}),
  schedule: z._default(ScheduleSchema, { kind: 'default' }),
  paused: z._default(z.boolean(), false),
  createdAt: z.iso.datetime(),
  /** A manual start re-anchors the schedule grid (rule 5); so does every job start. */
  anchorAt: orNull(z.iso.datetime()),
  /** When it was last resumed or its schedule changed: recurrences before that were not owed (rule 6). */
  scheduleChangedAt: orNull(z.iso.datetime()),
});
export type Integration = z.infer<typeof IntegrationSchema>;

export const JOB_STATUSES = ['Running', 'Stopping', 'Succeeded', 'Failed', 'Cancelled', 'Skipped', 'Interrupted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TRIGGERS = ['manual', 'scheduled', 'catch-up'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/**
 * How the job's tap wrote, as its relay read it (tapWrites.ts): it chooses the next job's relay. Not
 * part of the command line's JSON (§5).
 */
export const TapWritesSchema = z.object({
  relay: z.enum(['event loop', 'thread']),
  bytes: count(),
  reads: count(),
  /** Reads under 16 KiB. */
  smallReads: count(),
  /** From the first read to the end of the output. */
  readingMs: count(),
});
export type TapWrites = z.infer<typeof TapWritesSchema>;

export const JobSchema = z.object({
  integration: IntegrationName,
  /** Six digits, increasing within an integration, so ids and log names sort as text. */
  id: z.string().check(z.regex(/^\d{6,}$/)),
  status: z.enum(JOB_STATUSES),
  trigger: z.enum(TRIGGERS),
  startedAt: z.iso.datetime(),
  endedAt: z.nullable(z.iso.datetime()),
  records: z.record(z.string(), count()),
  tapExitCode: z.nullable(z.int()),
  targetExitCode: z.nullable(z.int()),
  error: z.nullable(z.string()),
  /** Relative to the workspace folder. */
  logFile: z.nullable(z.string()),
  stateSaved: z.boolean(),
  fullRefresh: z._default(z.boolean(), false),
  /** The process that runs the job (a window, `run` or `schedule`), and the tap's and target's process groups. */
  runnerPid: orNull(z.int()),
  runnerHost: orNull(z.string()),
  /**
   * The kernel's start times of the runner and of the tap's and target's group leaders (see
   * process.ts): a pid reused by another program is not mistaken for them. null in records written
   * before they were kept, or where the system does not tell.
   */
  runnerStartTime: orNull(z.string()),
  tapPgid: orNull(z.int()),
  tapStartTime: orNull(z.string()),
  targetPgid: orNull(z.int()),
  targetStartTime: orNull(z.string()),
  /** The mapper stages' process groups, in order (rule 13 kills them too). */
  mapperPgids: z._default(z.array(z.int()), []),
  /** The private temp folder holding the job's resolved configs (secrets): removed by reconcile if the runner could not. */
  secretsDir: orNull(z.string()),
  /** Set by Stop Extraction in any process; the runner carries the stop out (DESIGN §5 "Who stops a job"). */
  stopRequestedAt: orNull(z.iso.datetime()),
  stopGracePeriodSeconds: orNull(z.number().check(z.nonnegative())),
  /** Absent in records written before it was kept, and for jobs whose tap never ran. */
  tapWrites: z.optional(TapWritesSchema),
});
export type Job = z.infer<typeof JobSchema>;

/**
 * What `list`, the views and the scheduler need of an integration's history, kept in db.json beside
 * the integration so that none of them reads the history itself (issue 15: their cost must not grow
 * with it). The store recomputes it from the history on every write of that history.
 */
export const RecentSchema = z.object({
  /** The newest job that is not a Skipped entry: the last job `list` shows, the one that may be running. */
  last: orNull(JobSchema),
  /** When the newest entry of any kind (a Skipped one too) started or was due: recurrences up to it are accounted for. */
  newestAt: orNull(z.iso.datetime()),
  /**
   * The history file as the store last wrote it (inode, size, modification and change times): a file
   * that still has this key holds what was written then, validated, and is not validated again.
   */
  historyKey: z.optional(z.string()),
});
export type Recent = z.infer<typeof RecentSchema>;

/** `.singer/db.json` (DESIGN rule 14): the integrations; each one's job history is a file of its own. */
export const DatabaseSchema = z.object({
  /**
   * 3: histories in files of their own. (1 was every job inside this file; 2 the same, marking that an
   * integration has mapper stages.) A version that knows neither refuses the file (its rule 14: never
   * overwritten) instead of misreading it.
   */
  version: z.literal(3),
  integrations: z.array(IntegrationSchema),
  recent: z._default(z.record(z.string(), RecentSchema), {}),
  /** The last job id given per integration, so ids never repeat after history is trimmed. */
  lastJobId: z._default(z.record(z.string(), count()), {}),
});
export type Database = z.infer<typeof DatabaseSchema>;

/** db.json before histories had files of their own: every job of every integration in it. Read, and migrated on the first write. */
export const LegacyDatabaseSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  integrations: z.array(IntegrationSchema),
  jobs: z.array(JobSchema),
  lastJobId: z._default(z.record(z.string(), count()), {}),
});

/** `.singer/history/NAME.json`: one integration's extraction logs, oldest first. */
export const HistorySchema = z.object({
  version: z.literal(1),
  integration: IntegrationName,
  jobs: z.array(JobSchema),
});
export type History = z.infer<typeof HistorySchema>;

export function emptyDatabase(): Database {
  return { version: 3, integrations: [], recent: {}, lastJobId: {} };
}

export function isActive(job: Job): boolean {
  return job.status === 'Running' || job.status === 'Stopping';
}
