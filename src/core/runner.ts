/**
 * The life of one job (DESIGN rules 8-13): the per-integration lock, the job record, the pipeline,
 * stop requests from any process, the state saved from the target whatever the end, and history.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { BusyError, errorMessage, usageError } from './errors';
import type { EngineEvents, TypedEmitter } from './events';
import { activeJob, newJob, nextJobId, totalRecords, trimHistory } from './jobs';
import { FileLock, readLock } from './lock';
import { LogWriter, Redactor } from './logfile';
import type { Integration, Job, JobStatus, Trigger } from './model';
import type { WorkspacePaths } from './paths';
import { notStarted, Pipeline, type PipelineResult } from './pipeline';
import { prepareJob } from './prepare';
import type { SecretResolver } from './secrets';
import { ThrottledStateWriter } from './stateFile';
import type { Store } from './store';

/** Stop requests written by other processes are seen within this (DESIGN §5: within 1 s). */
const STOP_POLL_MS = 400;
const PROGRESS_WRITE_MS = 2000;
/** Said after the run time in the log; the benchmark reads the line (DESIGN §5 "Throughput"). */
const RUN_TIME_MEANING = 'from starting the first of them until both had exited';

export interface RunContext {
  paths: WorkspacePaths;
  store: Store;
  events: TypedEmitter<EngineEvents>;
  secrets: SecretResolver;
  environment: () => NodeJS.ProcessEnv;
  logRetention: number;
  stopGracePeriodSeconds: number;
}

export interface StartOptions {
  trigger: Trigger;
  fullRefresh?: boolean;
  /** Overrides the grace period for stops of this job carried out by this runner. */
  gracePeriodSeconds?: number;
}

export interface RunningJob {
  readonly integration: string;
  readonly jobId: string;
  /** Resolves with the job as recorded when it has ended. */
  readonly done: Promise<Job>;
  /** Stop Extraction, carried out by this process; calling it again changes nothing. */
  stop(gracePeriodSeconds?: number): void;
  /** Skips the rest of the grace period (a second Ctrl-C): SIGKILL to the tap's group now. */
  kill(): void;
  /** Writes a runner line into the job's log (e.g. why the job is being stopped). */
  note(text: string, level?: 'INFO' | 'WARNING' | 'ERROR'): void;
}

export async function startJob(ctx: RunContext, name: string, opts: StartOptions): Promise<RunningJob> {
  const db = await ctx.store.read();
  const integration = db.integrations.find((i) => i.name === name);
  if (!integration) throw unknownIntegration(name);

  const lock = new FileLock(ctx.paths.jobLock(name));
  const got = lock.tryAcquire(`job of ${name}`);
  if (!got.ok) {
    const running = activeJob(db, name);
    throw new BusyError(
      `${name} already has a job running${running ? ` (job ${running.id}, started ${running.startedAt})` : ''} in process ${got.holder.pid}. ` +
        `Only one job per integration runs at a time: wait for it to end, or stop it with \`singer-replication stop ${name}\`.`,
      running?.id ?? null,
    );
  }
  try {
    return await launch(ctx, integration, opts, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function launch(ctx: RunContext, it: Integration, opts: StartOptions, lock: FileLock): Promise<RunningJob> {
  const { paths, store } = ctx;
  const fullRefresh = opts.fullRefresh ?? false;
  // Refused input (missing config, bad state, unset secret) throws here: nothing spawned, nothing written.
  const prepared = await prepareJob({ paths, integration: it, fullRefresh, secrets: ctx.secrets, environment: ctx.environment() });

  const startedAt = new Date().toISOString();
  let removed: Job[] = [];
  let job: Job;
  try {
    job = await store.update((db, histories) => {
      const live = db.integrations.find((i) => i.name === it.name);
      if (!live) throw unknownIntegration(it.name);
      const history = histories.jobs(it.name);
      const id = nextJobId(db, it.name, history);
      const j = newJob({
        integration: it.name,
        id,
        status: 'Running',
        trigger: opts.trigger,
        startedAt,
        logFile: paths.relative(paths.logFile(it.name, id)),
        fullRefresh,
        runnerPid: process.pid,
        runnerHost: os.hostname(),
      });
      history.push(j);
      live.anchorAt = startedAt;
      removed = trimHistory(history, ctx.logRetention);
      return j;
    });
  } catch (err) {
    prepared.cleanup();
    throw err;
  }
  for (const old of removed) if (old.logFile) fs.rmSync(paths.resolve(old.logFile), { force: true });

  const log = new LogWriter(paths.logFile(it.name, job.id), new Redactor(prepared.secrets));
  log.runner(`job ${job.id} of ${it.name} started (${opts.trigger}${fullRefresh ? ', full re-replication' : ''})`);
  if (fullRefresh) log.runner('full re-replication: the tap starts from an empty state');
  else if (prepared.hadState) log.runner(`resuming from the saved state ${paths.relative(paths.stateFile(it.name))}`);
  else log.runner('no saved state: the tap starts from the beginning');
  ctx.events.emit('jobStarted', job);

  const stateWriter = new ThrottledStateWriter(paths.stateFile(it.name));
  let lastState: Record<string, unknown> | null = null;
  let grace = opts.gracePeriodSeconds ?? ctx.stopGracePeriodSeconds;
  let pipeline: Pipeline | undefined;
  let stopping = false;

  // A stop may come before the pipeline exists (deactivation, `schedule`'s SIGTERM during a start):
  // it is remembered and carried out as soon as there is a pipeline, so it is never lost.
  const requestStop = (seconds?: number): void => {
    if (seconds !== undefined) grace = seconds;
    if (stopping) return;
    stopping = true;
    pipeline?.stop(grace * 1000);
    void store
      .update((_db, histories) => markStopping(histories.jobs(it.name), job.id))
      .then((marked) => marked && ctx.events.emit('jobStopping', marked))
      .catch((err: unknown) => ctx.events.emit('error', `recording the stop of job ${job.id} of ${it.name} failed: ${errorMessage(err)}`));
  };

  const done = (async (): Promise<Job> => {
    let result: PipelineResult;
    const timers: NodeJS.Timeout[] = [];
    try {
      if (prepared.missingProgram !== null) {
        log.runner(prepared.missingProgram, 'ERROR');
        result = notStarted(prepared.missingProgram);
      } else {
        let liveRecords: Readonly<Record<string, number>> = {};
        pipeline = new Pipeline({
          tapArgv: prepared.tapArgv,
          targetArgv: prepared.targetArgv,
          mappers: prepared.mappers,
          cwd: prepared.cwd,
          env: prepared.env,
          log,
          onState: (state) => {
            lastState = state;
            stateWriter.push(state);
          },
          onProgress: (records) => {
            liveRecords = records;
            ctx.events.emit('jobProgress', job, records);
          },
        });
        if (stopping) pipeline.stop(grace * 1000);
        timers.push(watchForStop(ctx, it.name, job.id, (seconds) => requestStop(seconds)));
        // Process groups are known once both have spawned; record them so a later reconcile can clean up.
        setImmediate(() => void recordGroups(ctx, pipeline!, job.id, it.name));
        timers.push(
          setInterval(() => {
            const snapshot = { ...liveRecords };
            void store
              .update((_db, histories) => {
                const j = histories.jobs(it.name).find((x) => x.id === job.id);
                if (j && (j.status === 'Running' || j.status === 'Stopping')) j.records = snapshot;
              })
              .catch(() => undefined);
          }, PROGRESS_WRITE_MS),
        );
        result = await pipeline.done;
      }
    } finally {
      for (const t of timers) clearInterval(t);
    }
    stateWriter.flush();
    const outcome = judge(result, it.name);
    for (const [stream, n] of Object.entries(result.records)) log.runner(`stream ${stream}: ${n} records handed to the target`);
    log.runner(`${totalRecords(result.records)} records in all; tap exit code ${result.tapExitCode ?? 'none'}, target exit code ${result.targetExitCode ?? 'none'}`);
    if (result.runMs !== null) log.runner(`tap and target ran for ${(result.runMs / 1000).toFixed(3)} s (${RUN_TIME_MEANING})`);
    if (lastState !== null) log.runner(`state saved to ${paths.relative(paths.stateFile(it.name))}: ${JSON.stringify(lastState)}`);
    else log.runner('the target emitted no state: the saved state is left unchanged', 'WARNING');
    // A job the user stopped did what was asked: a warning, not an error, in the log's colours too.
    log.runner(`job ${job.id} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`, outcome.status === 'Succeeded' ? 'INFO' : outcome.status === 'Cancelled' ? 'WARNING' : 'ERROR');
    await log.close();
    prepared.cleanup();

    const endedAt = new Date().toISOString();
    // The end of a job must reach the database: a dropped write left finished jobs Running forever.
    const final = await persistently(() => store.update((_db, histories) => {
      const j = histories.jobs(it.name).find((x) => x.id === job.id);
      if (!j) return { ...job, status: outcome.status, endedAt };
      j.status = outcome.status;
      j.endedAt = endedAt;
      j.records = result.records;
      j.tapExitCode = result.tapExitCode;
      j.targetExitCode = result.targetExitCode;
      j.error = outcome.error;
      j.stateSaved = lastState !== null;
      return { ...j };
    }), (err) => ctx.events.emit('error', `recording the end of job ${job.id} of ${it.name} failed, retrying: ${errorMessage(err)}`));
    lock.release();
    ctx.events.emit('jobEnded', final);
    ctx.events.emit('changed');
    return final;
  })();
  done.catch((err: unknown) => {
    lock.release();
    ctx.events.emit('error', `job ${job.id} of ${it.name}: ${errorMessage(err)}`);
  });

  return {
    integration: it.name,
    jobId: job.id,
    done,
    stop: (seconds) => requestStop(seconds),
    kill: () => {
      requestStop();
      pipeline?.stop(0);
    },
    note: (text, level = 'INFO') => log.runner(text, level),
  };
}

function judge(r: PipelineResult, name: string): { status: JobStatus; error: string | null } {
  const tail = (lines: string[]): string => (lines.length ? `: ${lines.slice(-5).join(' | ')}` : '');
  if (r.spawnError !== null) return { status: 'Failed', error: r.spawnError };
  if (r.badLine) {
    return {
      status: 'Failed',
      error: `tap output line ${r.badLine.lineNumber} is not a Singer message (${r.badLine.reason}): ${r.badLine.excerpt}`,
    };
  }
  if (r.targetEndedFirst || (r.targetExitCode !== null && r.targetExitCode !== 0)) {
    return { status: 'Failed', error: `the target failed (exit code ${r.targetExitCode})${tail(r.targetErrorTail)}` };
  }
  if (r.mapperFailure) return { status: 'Failed', error: r.mapperFailure.message };
  if (r.stopped) return { status: 'Cancelled', error: `stopped by the user; the next job of ${name} resumes from the saved state` };
  if (r.tapExitCode !== 0) return { status: 'Failed', error: `the tap failed (exit code ${r.tapExitCode})${tail(r.tapErrorTail)}` };
  return { status: 'Succeeded', error: null };
}

function markStopping(history: Job[], id: string): Job | undefined {
  const j = history.find((x) => x.id === id);
  if (!j || j.status !== 'Running') return undefined;
  j.status = 'Stopping';
  return { ...j };
}

async function recordGroups(ctx: RunContext, pipeline: Pipeline, id: string, name: string): Promise<void> {
  for (let i = 0; i < 50 && (pipeline.tapPgid === undefined || pipeline.targetPgid === undefined); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await ctx.store
    .update((_db, histories) => {
      const j = histories.jobs(name).find((x) => x.id === id);
      if (j) {
        j.tapPgid = pipeline.tapPgid ?? null;
        j.targetPgid = pipeline.targetPgid ?? null;
        j.mapperPgids = pipeline.mapperPgids;
      }
    })
    .catch(() => undefined);
}

/** Polls the database (parsing it only when it changed) for a stop request recorded by any process. */
function watchForStop(ctx: RunContext, name: string, id: string, stop: (seconds?: number) => void): NodeJS.Timeout {
  let seen = 0;
  let requested = false;
  const timer = setInterval(() => {
    const m = ctx.store.mtimeMs();
    if (m === seen || requested) return;
    seen = m;
    void ctx.store
      .read()
      .then((db) => {
        // The running job is the integration's last: db.json's summary has it, no history to read.
        const j = db.recent[name]?.last;
        if (j?.id === id && j.stopRequestedAt && !requested) {
          requested = true;
          stop(j.stopGracePeriodSeconds ?? undefined);
        }
      })
      .catch(() => undefined);
  }, STOP_POLL_MS);
  return timer;
}

export function unknownIntegration(name: string): Error {
  return usageError(`there is no integration named "${name}". Run \`singer-replication list\` to see the names.`);
}

/** The live holder of an integration's job lock, if any. */
export function jobLockHolder(paths: WorkspacePaths, name: string): ReturnType<typeof readLock> {
  return readLock(paths.jobLock(name));
}

/** Retries a database write until it lands (a busy lock is temporary), backing off to 2 s. */
async function persistently<T>(write: () => Promise<T>, onRetry: (err: unknown) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 30) throw err;
      onRetry(err);
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
    }
  }
}
