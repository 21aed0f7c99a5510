/** `run`, `stop`, `jobs`, `log`, `state`: jobs as scripts see them (DESIGN §5). */
import * as fs from 'node:fs';
import type { Engine } from '../core/engine';
import { BusyError, ExitCode, errorMessage, usageError } from '../core/errors';
import { formatJobId, totalRecords } from '../core/jobs';
import type { Job, JobStatus, Trigger } from '../core/model';
import type { RunningJob } from '../core/runner';
import { isParentMessage, isTrigger, TRIGGER_ENV, type ChildMessage } from '../core/runnerProtocol';
import { json, table, type Io } from './output';
import { ProgressLine } from './progressLine';

const EXIT_BY_STATUS: Partial<Record<JobStatus, number>> = {
  Succeeded: ExitCode.ok,
  Failed: ExitCode.failed,
  Cancelled: ExitCode.cancelled,
  Interrupted: ExitCode.failed,
};

export async function runCommand(
  engine: Engine,
  name: string,
  opts: { fullRefresh: boolean; gracePeriodSeconds?: number },
  io: Io,
): Promise<number> {
  // Started by a front (the extension host) with an IPC channel: it is told what happens (childRunner.ts).
  const front = process.send ? frontChannel(engine, name) : undefined;
  const trigger = front ? frontTrigger() : 'manual';
  let running;
  try {
    running = await engine.start(name, {
      trigger,
      fullRefresh: opts.fullRefresh,
      ...(opts.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds }),
    });
  } catch (err) {
    front?.refused(err);
    if (err instanceof BusyError) {
      io.err(err.message);
      return ExitCode.busy;
    }
    throw err;
  }
  front?.attach(running);
  io.err(`job ${running.jobId} of ${name} started; log: ${engine.paths.relative(engine.paths.logFile(name, running.jobId))}`);
  const stopShowing = io.terminal ? showProgress(engine, name, running.jobId, new ProgressLine(io.terminal, Date.now())) : () => undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    stopShowing();
    if (signals === 1) {
      io.err(`${signal}: stopping the extraction (the target loads what was extracted; Ctrl-C again to kill the tap now)`);
      running.stop();
    } else {
      running.kill();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const job = await running.done;
    stopShowing();
    io.err(summary(job));
    await front?.ended(job);
    return EXIT_BY_STATUS[job.status] ?? ExitCode.failed;
  } finally {
    stopShowing();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    front?.close();
  }
}

function frontTrigger(): Trigger {
  const t = process.env[TRIGGER_ENV];
  return isTrigger(t) ? t : 'manual';
}

/**
 * The IPC channel to the front that started this `run`: the job's events go to it, its notes and stop
 * requests come from it, and if it goes away (the window closed, the host crashed) the extraction is
 * stopped as Stop Extraction does, and this process still finishes writing the job.
 */
function frontChannel(engine: Engine, name: string): {
  refused(err: unknown): void;
  attach(running: RunningJob): void;
  ended(job: Job): Promise<void>;
  close(): void;
} {
  const send = (m: ChildMessage): Promise<void> =>
    new Promise((resolve) => {
      if (!process.connected || !process.send) return resolve();
      process.send(m, undefined, {}, () => resolve());
    });
  const mine = (j: Job): boolean => j.integration === name;
  // Subscribed before the job starts: jobStarted is emitted while engine.start() runs.
  const subscriptions: Array<{ dispose(): void }> = [
    engine.events.on('jobStarted', (j) => mine(j) && void send({ type: 'started', job: j })),
    engine.events.on('jobProgress', (j, records) => mine(j) && void send({ type: 'progress', job: j, records: { ...records } })),
    engine.events.on('jobStopping', (j) => mine(j) && void send({ type: 'stopping', job: j })),
  ];
  return {
    refused(err) {
      const e = err as { exitCode?: number; jobId?: string | null; secret?: string };
      void send({ type: 'refused', message: errorMessage(err), exitCode: e.exitCode ?? ExitCode.failed, jobId: e.jobId ?? null, secret: e.secret ?? null });
    },
    attach(running) {
      const onMessage = (m: unknown): void => {
        if (!isParentMessage(m)) return;
        if (m.type === 'note') running.note(m.text, m.level);
        else if (m.gracePeriodSeconds === 0) running.kill();
        else running.stop(m.gracePeriodSeconds);
      };
      const onDisconnect = (): void => {
        running.note('the editor that started this job went away: stopping the extraction as Stop Extraction does', 'WARNING');
        running.stop();
      };
      process.on('message', onMessage);
      process.once('disconnect', onDisconnect);
      subscriptions.push({
        dispose: () => {
          process.off('message', onMessage);
          process.off('disconnect', onDisconnect);
        },
      });
    },
    ended: (job) => send({ type: 'ended', job }),
    close() {
      for (const s of subscriptions) s.dispose();
      if (process.connected) process.disconnect?.();
    },
  };
}

/**
 * Keeps the progress line up to date: on every count from the relay, and each second (a tap that
 * waits on an API sends nothing for a while; the clock should still move). Returns the undo, which
 * also clears the line.
 */
function showProgress(engine: Engine, name: string, jobId: string, line: ProgressLine): () => void {
  let last: Readonly<Record<string, number>> = {};
  const off = engine.events.on('jobProgress', (job, records) => {
    if (job.integration !== name || job.id !== jobId) return;
    last = records;
    line.update(last);
  });
  const tick = setInterval(() => line.update(last), 1000);
  tick.unref();
  return () => {
    off.dispose();
    clearInterval(tick);
    line.clear();
  };
}

export async function stopCommand(engine: Engine, name: string, gracePeriodSeconds: number | undefined, io: Io): Promise<number> {
  const job = await engine.stop(name, gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds });
  if (!job) {
    io.err(`${name} has no job running; nothing to stop.`);
    return ExitCode.nothingRunning;
  }
  io.out(summary(job));
  return ExitCode.ok;
}

export function summary(job: Job): string {
  const n = totalRecords(job.records);
  const streams = Object.entries(job.records)
    .map(([s, c]) => `${s} ${c}`)
    .join(', ');
  return `job ${job.id} of ${job.integration} ${job.status}: ${n} records${streams ? ` (${streams})` : ''}${job.error ? `; ${job.error}` : ''}`;
}

/** The fields scripts rely on, in a fixed order. */
export function jobJson(j: Job): Record<string, unknown> {
  return {
    id: j.id,
    integration: j.integration,
    status: j.status,
    trigger: j.trigger,
    startedAt: j.startedAt,
    endedAt: j.endedAt,
    records: j.records,
    tapExitCode: j.tapExitCode,
    targetExitCode: j.targetExitCode,
    error: j.error,
    logFile: j.logFile,
    stateSaved: j.stateSaved,
    fullRefresh: j.fullRefresh,
  };
}

export async function jobsCommand(engine: Engine, name: string, asJson: boolean, io: Io): Promise<number> {
  const jobs = await engine.jobs(name);
  if (asJson) {
    io.out(json(jobs.map(jobJson)));
    return 0;
  }
  if (jobs.length === 0) {
    io.out(`${name} has no jobs yet. Start one with \`singer-replication run ${name}\`.`);
    return 0;
  }
  const rows = [['JOB', 'STATUS', 'TRIGGER', 'STARTED', 'DURATION', 'RECORDS', 'ERROR']];
  for (const j of jobs) {
    const dur = j.endedAt ? `${((Date.parse(j.endedAt) - Date.parse(j.startedAt)) / 1000).toFixed(1)}s` : j.status === 'Skipped' ? '' : 'running';
    rows.push([j.id, j.status, j.trigger, j.startedAt, dur, String(totalRecords(j.records)), (j.error ?? '').slice(0, 80)]);
  }
  io.out(table(rows));
  return 0;
}

export async function logCommand(engine: Engine, name: string, jobArg: string | undefined, io: Io): Promise<number> {
  const jobs = await engine.jobs(name);
  let job: Job | undefined;
  if (jobArg === undefined) {
    job = jobs.find((j) => j.logFile !== null);
    if (!job) throw usageError(`${name} has no job with a log yet. Start one with \`singer-replication run ${name}\`.`);
  } else {
    if (!/^\d+$/.test(jobArg)) throw usageError(`"${jobArg}" is not a job id; give its number, e.g. 42 or 000042.`);
    const id = formatJobId(Number(jobArg));
    job = jobs.find((j) => j.id === id);
    if (!job) throw usageError(`${name} has no job ${id}. \`singer-replication jobs ${name}\` lists them.`);
    if (job.logFile === null) throw usageError(`job ${id} of ${name} is ${job.status} and has no log: ${job.error ?? ''}`);
  }
  const file = engine.paths.resolve(job.logFile!);
  if (!fs.existsSync(file)) throw usageError(`the log file ${file} of job ${job.id} is missing.`);
  // Line by line: logs can be large.
  // Loaded here, not with the bundle: only `log` reads lines, and every command would pay ~0.4 ms.
  const readline = require('node:readline') as typeof import('node:readline');
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) io.out(line);
  return 0;
}

export async function stateCommand(engine: Engine, name: string, opts: { json: boolean; reset: boolean }, io: Io): Promise<number> {
  if (opts.reset) {
    await engine.resetState(name);
    io.out(`the state of ${name} was reset: its next job starts from the beginning.`);
    return 0;
  }
  const state = await engine.state(name);
  io.out(opts.json ? JSON.stringify(state) : json(state));
  return 0;
}
