/**
 * Runs a job in a child process: `singer-replication run` started by a front whose own thread must
 * stay free (the extension host: relaying a million records on its event loop delayed VS Code by
 * ~100 ms at p99 and ran at 0.55x the CLI; see bench/editor.mjs). The child is the CLI, so the job is
 * exactly the job `run` makes, at the CLI's speed; this side resolves the secrets it was given (the
 * child takes them as SINGER_SECRET_* variables, as any CLI run does) and turns the child's messages
 * back into the engine's events. If the front goes away, the child stops the extraction as Stop
 * Extraction does and finishes writing the job (rule 13).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { BusyError, MissingSecretError, SingerError, type ExitCode } from './errors';
import type { EngineEvents, TypedEmitter } from './events';
import type { Job } from './model';
import type { WorkspacePaths } from './paths';
import type { RunningJob, StartOptions } from './runner';
import { isChildMessage, SETTINGS_ENV, TRIGGER_ENV, type ChildMessage, type ParentMessage } from './runnerProtocol';
import { resolveSecrets, secretNamesIn, SECRET_ENV_PREFIX, type SecretResolver } from './secrets';
import { configFilesOf } from './stages';
import type { Integration } from './model';
import { reconcile } from './reconcile';
import { Store } from './store';

export interface ChildRuntime {
  /** The program that runs JavaScript (VS Code's own runtime: process.execPath with ELECTRON_RUN_AS_NODE=1). */
  runtime: string;
  /** dist/cli.js. */
  cli: string;
  /**
   * The scheduling priority of the job (the runner, and the tap and target it starts, which inherit
   * it), e.g. os.constants.priority.PRIORITY_BELOW_NORMAL: on a busy machine the editor's own
   * processes then get the CPU first and it stays responsive; an idle machine gives the job all of it.
   */
  priority?: number;
}

export interface ChildRunContext {
  paths: WorkspacePaths;
  events: TypedEmitter<EngineEvents>;
  secrets: SecretResolver;
  environment: () => NodeJS.ProcessEnv;
  stopGracePeriodSeconds: number;
  logRetention: number;
  child: ChildRuntime;
}

const STDERR_KEEP = 4096;

export async function startInChild(ctx: ChildRunContext, it: Integration, opts: StartOptions): Promise<RunningJob> {
  const secretEnv = await secretsFor(ctx, it);
  const grace = opts.gracePeriodSeconds ?? ctx.stopGracePeriodSeconds;
  const args = [ctx.child.cli, '--workspace', ctx.paths.workspace, '--database', ctx.paths.database, 'run', it.name, '--grace-period', String(grace)];
  if (opts.fullRefresh) args.push('--full-refresh');
  const child = spawn(ctx.child.runtime, args, {
    cwd: ctx.paths.workspace,
    env: {
      ...ctx.environment(),
      ...secretEnv,
      ELECTRON_RUN_AS_NODE: '1',
      [TRIGGER_ENV]: opts.trigger,
      [SETTINGS_ENV]: JSON.stringify({ 'singer.logRetention': ctx.logRetention, 'singer.stopGracePeriodSeconds': ctx.stopGracePeriodSeconds }),
    },
    // Its own process group: nothing aimed at the front's group reaches the job; it ends by its own rules.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  if (ctx.child.priority !== undefined && child.pid !== undefined) {
    try {
      os.setPriority(child.pid, ctx.child.priority);
    } catch {
      // Not permitted here: the job runs at the normal priority.
    }
  }
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_KEEP);
  });
  const send = (m: ParentMessage): void => {
    if (child.connected) child.send(m, (err) => err && ctx.events.emit('error', `telling the job of ${it.name} failed: ${err.message}`));
  };

  return new Promise<RunningJob>((resolveStart, rejectStart) => {
    let job: Job | undefined;
    let ended: Job | undefined;
    let settleDone!: (j: Job) => void;
    const done = new Promise<Job>((r) => (settleDone = r));
    child.on('message', (m: unknown) => {
      if (!isChildMessage(m)) return;
      handle(m);
    });
    const handle = (m: ChildMessage): void => {
      switch (m.type) {
        case 'started':
          job = m.job;
          ctx.events.emit('jobStarted', m.job);
          resolveStart({
            integration: it.name,
            jobId: m.job.id,
            done,
            stop: (seconds) => send(seconds === undefined ? { type: 'stop' } : { type: 'stop', gracePeriodSeconds: seconds }),
            kill: () => send({ type: 'stop', gracePeriodSeconds: 0 }),
            note: (text, level = 'INFO') => send({ type: 'note', text, level }),
          });
          return;
        case 'progress':
          ctx.events.emit('jobProgress', m.job, m.records);
          return;
        case 'stopping':
          ctx.events.emit('jobStopping', m.job);
          return;
        case 'ended':
          ended = m.job;
          return;
        case 'refused':
          rejectStart(refusal(m));
          return;
      }
    };
    child.on('error', (err) => rejectStart(new SingerError(`the job runner could not be started (${ctx.child.runtime}): ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (!job) {
        const said = stderr.trim().split('\n').filter(Boolean).at(-1)?.replace(/^singer-replication: /, '');
        rejectStart(new SingerError(said ?? `the job runner ended (${signal ?? `exit code ${code}`}) before the job started`, (code ?? 1) as ExitCode));
        return;
      }
      if (ended) {
        settleDone(ended);
        ctx.events.emit('jobEnded', ended);
        ctx.events.emit('changed');
        return;
      }
      // The runner died without saying how the job ended (a crash, SIGKILL): the database knows; reconcile makes it Interrupted.
      void recordedEnd(ctx, it.name, job.id, `the job runner ended (${signal ?? `exit code ${code}`}): ${stderr.trim().split('\n').at(-1) ?? ''}`).then((j) => {
        settleDone(j);
        ctx.events.emit('jobEnded', j);
        ctx.events.emit('changed');
      });
    });
  });
}

/** The values of the secrets the configs refer to, as the CLI takes them; a missing one refuses the start here. */
async function secretsFor(ctx: ChildRunContext, it: Integration): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const { file, what } of configFilesOf(it)) {
    let config: unknown;
    try {
      config = JSON.parse(fs.readFileSync(ctx.paths.resolve(file), 'utf8'));
    } catch {
      continue; // the child refuses a missing or broken config with its usual sentence
    }
    await resolveSecrets(config, ctx.secrets, what, new Set());
    for (const name of secretNamesIn(config)) {
      const value = await ctx.secrets(name);
      if (value !== undefined) env[`${SECRET_ENV_PREFIX}${name}`] = value;
    }
  }
  return env;
}

function refusal(m: Extract<ChildMessage, { type: 'refused' }>): Error {
  if (m.exitCode === 4) return new BusyError(m.message, m.jobId);
  if (m.secret !== null) return new MissingSecretError(m.message, m.secret);
  return new SingerError(m.message, m.exitCode as ExitCode);
}

async function recordedEnd(ctx: ChildRunContext, name: string, id: string, why: string): Promise<Job> {
  const store = new Store(ctx.paths);
  await reconcile(store, ctx.paths).catch(() => []);
  const j = (await store.history(name)).find((x) => x.id === id);
  if (j) return j;
  throw new SingerError(`job ${id} of ${name} is no longer in the history (${why})`);
}
