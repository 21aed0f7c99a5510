/**
 * The life of one job (DESIGN rules 8-13): the per-integration lock, the job record, the pipeline,
 * stop requests from any process, the state saved from the target whatever the end, and history.
 */
import * as os from 'node:os';
import { asDiskError, DiskError } from './diskErrors';
import { BusyError, errorMessage, usageError } from './errors';
import type { EngineEvents, TypedEmitter } from './events';
import { deleteLogs, findJob, markStopping, persistently, recordGroups, watchForStop } from './jobRecord';
import { activeJob, lastTapWrites, newJob, nextJobId, totalRecords, trimHistory } from './jobs';
import { FileLock, readLock } from './lock';
import { LogWriter, Redactor } from './logfile';
import type { Integration, Job, Trigger } from './model';
import { judge } from './outcome';
import type { WorkspacePaths } from './paths';
import { notStarted, Pipeline, type PipelineResult } from './pipeline';
import { prepareJob } from './prepare';
import { processStartTime } from './process';
import type { SecretResolver } from './secrets';
import { ThrottledStateWriter } from './stateFile';
import type { Store } from './store';
import { fastLineTap } from './tapWrites';

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
  let got: ReturnType<FileLock['tryAcquire']>;
  try {
    got = lock.tryAcquire(`job of ${name}`);
  } catch (err) {
    throw err instanceof DiskError ? err.rephrase(`the job lock of ${name} could not be made, so nothing was started`) : err;
  }
  if (!got.ok) {
    const running = activeJob(db, name);
    const where = got.holder.pid > 0 ? ` in process ${got.holder.pid}` : ' (its process is starting it right now)';
    throw new BusyError(
      `${name} already has a job running${running ? ` (job ${running.id}, started ${running.startedAt})` : ''}${where}. ` +
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
  let onThread = false;
  try {
    job = await store.update((db, histories) => {
      const live = db.integrations.find((i) => i.name === it.name);
      if (!live) throw unknownIntegration(it.name);
      const history = histories.jobs(it.name);
      onThread = fastLineTap(lastTapWrites(history));
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
        runnerStartTime: processStartTime(process.pid) ?? null,
        secretsDir: prepared.secretsDir,
      });
      history.push(j);
      live.anchorAt = startedAt;
      removed = trimHistory(history, ctx.logRetention);
      return j;
    });
  } catch (err) {
    prepared.cleanup();
    throw err instanceof DiskError ? err.rephrase(`the new job of ${it.name} could not be recorded, so nothing was started`) : err;
  }
  deleteLogs(paths, removed);

  const log = new LogWriter(paths.logFile(it.name, job.id), new Redactor(prepared.secrets));
  let pipeline: Pipeline | undefined;
  // Set when the log or the state can no longer be written (a full disk, a folder made read-only):
  // the tap is stopped, the target loads what it got, the job ends Failed saying why (DESIGN §5).
  let fault = null as { reason: string; what: string; fix: string } | null;
  const cannotWrite = (what: string, err: Error): void => {
    if (fault !== null) return;
    const disk = asDiskError(err, paths.dir, 'x');
    fault = disk ? { reason: disk.reason, what, fix: disk.fix } : { reason: `${err.message}`, what, fix: 'see that the disk can be written' };
    const why = `${fault.reason}: ${what} could no longer be written, so the tap is stopped and the target loads what it got`;
    ctx.events.emit('error', `job ${job.id} of ${it.name}: ${why}`);
    pipeline?.abort(why);
  };
  log.onFailure((err) => cannotWrite(`the job's log ${paths.relative(log.file)}`, err));
  log.runner(`job ${job.id} of ${it.name} started (${opts.trigger}${fullRefresh ? ', full re-replication' : ''})`);
  if (fullRefresh) log.runner('full re-replication: the tap starts from an empty state');
  else if (prepared.hadState) log.runner(`resuming from the saved state ${paths.relative(paths.stateFile(it.name))}`);
  else log.runner('no saved state: the tap starts from the beginning');
  ctx.events.emit('jobStarted', job);

  const stateFile = paths.relative(paths.stateFile(it.name));
  const stateWriter = new ThrottledStateWriter(paths.stateFile(it.name), { onError: (err) => cannotWrite(`the state file ${stateFile}`, err) });
  let lastState: Record<string, unknown> | null = null;
  let grace = opts.gracePeriodSeconds ?? ctx.stopGracePeriodSeconds;
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
          mappers: prepared.mappers,
          relayOnThread: onThread,
          targetArgv: prepared.targetArgv,
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
        if (fault !== null) pipeline.abort(`${fault.reason}: ${fault.what} could not be written`);
        timers.push(watchForStop(store, it.name, job.id, (seconds) => requestStop(seconds)));
        // Process groups are known once both have spawned; record them so a later reconcile can clean up.
        const started = pipeline;
        setImmediate(() => void recordGroups(ctx, started, job.id, it.name));
        timers.push(
          setInterval(() => {
            const snapshot = { ...liveRecords };
            // Progress only: the end of the job writes the counts for good, so a missed one is not retried.
            void store
              .update((_db, histories) => {
                const j = findJob(histories.jobs(it.name), job.id);
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
    const faultText = (): string | null => {
      if (fault === null) return null;
      const unsaved = stateWriter.flush() ? undefined : stateWriter.unsaved;
      const state =
        unsaved === undefined
          ? 'the next job resumes from the saved state'
          : `the state the target confirmed last could not be saved, so write it to ${stateFile} yourself or the next job starts from the one saved before: ${JSON.stringify(unsaved)}`;
      return `${fault.reason}: ${fault.what} could no longer be written, so the tap was stopped and the target loaded what it got; ${fault.fix}; ${state}`;
    };
    const outcome = judge(result, it.name, faultText());
    for (const [stream, n] of Object.entries(result.records)) log.runner(`stream ${stream}: ${n} records handed to the target`);
    log.runner(`${totalRecords(result.records)} records in all; tap exit code ${result.tapExitCode ?? 'none'}, target exit code ${result.targetExitCode ?? 'none'}`);
    if (result.runMs !== null) log.runner(`tap and target ran for ${(result.runMs / 1000).toFixed(3)} s (${RUN_TIME_MEANING})`);
    if (lastState !== null && stateWriter.unsaved === undefined) log.runner(`state saved to ${stateFile}: ${JSON.stringify(lastState)}`);
    else if (lastState === null) log.runner('the target emitted no state: the saved state is left unchanged', 'WARNING');
    // A job the user stopped did what was asked: a warning, not an error, in the log's colours too.
    log.runner(`job ${job.id} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`, outcome.status === 'Succeeded' ? 'INFO' : outcome.status === 'Cancelled' ? 'WARNING' : 'ERROR');
    await log.close();
    prepared.cleanup();

    // The error as it is recorded and shown: secrets redacted (a tap's error tail may hold one), and a
    // confirmed state that could not be saved printed in full, so nothing is lost.
    const errorText = (): string | null => {
      const text = fault === null ? outcome.error : faultText();
      return text === null ? null : log.redact(text);
    };
    const endedAt = new Date().toISOString();
    const ended = (j: Job): Job => {
      j.status = outcome.status;
      j.endedAt = endedAt;
      j.records = result.records;
      j.tapExitCode = result.tapExitCode;
      j.targetExitCode = result.targetExitCode;
      j.error = errorText();
      j.stateSaved = lastState !== null && stateWriter.unsaved === undefined;
      if (result.tapWrites) j.tapWrites = result.tapWrites;
      return { ...j };
    };
    let final: Job;
    try {
      // The end of a job must reach the database: a dropped write left finished jobs Running forever.
      final = await persistently(
        () => store.update((_db, histories) => ended(findJob(histories.jobs(it.name), job.id) ?? { ...job })),
        (err) => ctx.events.emit('error', `recording the end of job ${job.id} of ${it.name} failed, retrying: ${errorMessage(err)}`),
      );
    } catch (err) {
      // A full disk or a read-only folder: the job still ends, and says it could not be recorded (exit 1).
      final = ended({ ...job });
      final.status = 'Failed';
      const why = err instanceof DiskError ? err.reason : errorMessage(err);
      final.error = log.redact(
        `${final.error ?? `the job ${outcome.status === 'Succeeded' ? 'succeeded' : 'ended'}`}. It could not be recorded in the database (${why}): ` +
          `the next command that can write it there marks it Interrupted.`,
      );
    }
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

export function unknownIntegration(name: string): Error {
  return usageError(`there is no integration named "${name}". Run \`singer-replication list\` to see the names.`);
}

/** The live holder of an integration's job lock, if any. */
export function jobLockHolder(paths: WorkspacePaths, name: string): ReturnType<typeof readLock> {
  return readLock(paths.jobLock(name));
}
