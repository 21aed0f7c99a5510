/**
 * One `tap | target` pipeline (DESIGN rules 9, 12, §5): each program in its own process group,
 * spawned without a shell; the relay in between; stderr of both and the runner's events streamed
 * into the log. Stopping signals only the tap's group, so the target loads what was extracted.
 * Mapper stages, when the integration has them, run between the two (stages.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { joinCommand } from './argv';
import { describeExit, exited, keepTail, spawned, type Exit } from './childExit';
import { openFifoPipes, type FifoPipes } from './fifoPipes';
import { onLines, type LogWriter } from './logfile';
import { exitCodeOf, signalGroup } from './process';
import type { TapWrites } from './model';
import { Relay, type BadLine, type RelayResult } from './relay';
import { MapperChain, type ChainResult, type MapperFailure, type MapperStage } from './stages';
import { openTapOutput } from './tapOutput';
import { relayOnThread, relayWorkerFile } from './threadRelay';

/** After a target failure or a bad tap line the tap has no one to talk to: a short grace only. */
const TAP_ABORT_GRACE_MS = 5000;

export interface PipelineSpec {
  tapArgv: string[];
  targetArgv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: LogWriter;
  /** The target's state lines, in order, as they arrive. */
  onState: (state: Record<string, unknown>) => void;
  onProgress?: (records: Readonly<Record<string, number>>) => void;
  /** Between tap and target, in order; none: `tap | target`. */
  mappers?: MapperStage[];
  /**
   * Relay on a thread (threadRelay.ts) instead of the event loop, for a tap that writes a line at a
   * time, fast (tapWrites.ts). Without mappers only, and where named pipes can be made.
   */
  relayOnThread?: boolean;
}

export interface PipelineResult {
  tapExitCode: number | null;
  targetExitCode: number | null;
  records: Record<string, number>;
  badLine: BadLine | null;
  stopped: boolean;
  /** Why the runner ended the job early (see abort()), or null. */
  abortedBy: string | null;
  /** The target ended while its input (the tap's or the last mapper's output) still flowed. */
  targetEndedFirst: boolean;
  /** The mappers' exit codes, in order; empty without mappers. */
  mapperExitCodes: (number | null)[];
  /** The first mapper that failed, which fails the job as a failing target does (rule 12). */
  mapperFailure: MapperFailure | null;
  tapErrorTail: string[];
  targetErrorTail: string[];
  spawnError: string | null;
  /**
   * Milliseconds from spawning the first program (the target) until both had exited: the time
   * DESIGN §5's throughput is measured over. null when a program could not be started.
   */
  runMs: number | null;
  /** How the tap wrote, as the relay read it; null when it is not known (no tap, mappers' own pipes). */
  tapWrites: TapWrites | null;
}

export class Pipeline {
  private tap: ChildProcess | undefined;
  private target: ChildProcess | undefined;
  private chain: MapperChain | undefined;
  private tapExited = false;
  private stopRequested = false;
  /** Set when the runner must end the job early (its log or state can no longer be written). */
  private abortedBy: string | null = null;
  private killTimer: NodeJS.Timeout | undefined;
  readonly done: Promise<PipelineResult>;

  constructor(private readonly spec: PipelineSpec) {
    this.done = this.run();
  }

  get tapPgid(): number | undefined {
    return this.tap?.pid;
  }
  get targetPgid(): number | undefined {
    return this.target?.pid;
  }
  /** Known once the mappers have spawned (empty before, and without mappers). */
  get mapperPgids(): number[] {
    return this.chain?.pgids ?? [];
  }

  /** Stop Extraction (rule 9): SIGTERM to the tap's group now, SIGKILL after the grace period. */
  stop(graceMs: number): void {
    if (this.stopRequested) {
      // A second request (e.g. a second Ctrl-C) does not wait for the rest of the grace period.
      if (graceMs === 0) this.terminateTap(0, 'stop requested again');
      return;
    }
    this.stopRequested = true;
    this.terminateTap(graceMs, 'Stop Extraction');
  }

  /**
   * Ends the extraction because the job cannot go on (a full disk): the tap's group is stopped as
   * after a target failure, the target loads what it got. A tap not spawned yet never is.
   */
  abort(why: string): void {
    if (this.abortedBy !== null) return;
    this.abortedBy = why;
    this.terminateTap(TAP_ABORT_GRACE_MS, why);
  }

  /** Whether no more of the tap's output is wanted: stopped by the user, or aborted. */
  private get ending(): boolean {
    return this.stopRequested || this.abortedBy !== null;
  }

  private terminateTap(graceMs: number, why: string): void {
    const pgid = this.tap?.pid;
    if (pgid === undefined || this.tapExited) return;
    const { log } = this.spec;
    if (graceMs === 0) {
      log.runner(`${why}: sending SIGKILL to the tap's process group ${pgid}`, 'WARNING');
      signalGroup(pgid, 'SIGKILL');
      return;
    }
    log.runner(`${why}: sending SIGTERM to the tap's process group ${pgid}; SIGKILL in ${Math.round(graceMs / 1000)} s if it is still running`, 'WARNING');
    signalGroup(pgid, 'SIGTERM');
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => {
      if (!this.tapExited) {
        log.runner(`the tap did not end within ${Math.round(graceMs / 1000)} s of SIGTERM: sending SIGKILL to its process group ${pgid}`, 'WARNING');
        signalGroup(pgid, 'SIGKILL');
      }
    }, graceMs);
  }

  private stoppedBeforeStart(log: LogWriter): PipelineResult {
    if (this.abortedBy !== null) {
      log.runner(`${this.abortedBy}: the tap was not started`, 'ERROR');
      return { ...notStarted(''), spawnError: null, abortedBy: this.abortedBy };
    }
    log.runner('Stop Extraction came before the tap was started: the tap was not started', 'WARNING');
    return { ...notStarted(''), spawnError: null, stopped: true };
  }

  private async run(): Promise<PipelineResult> {
    const { spec } = this;
    const { log } = spec;
    const tapTail: string[] = [];
    const targetTail: string[] = [];

    // The clock starts before the relay's socket or pipes are made: their cost counts as the relay's.
    const startedAt = performance.now();
    const onThread = this.relayThread();
    const pipes = onThread?.pipes ?? null;
    const tapOutput = pipes ? null : await openTapOutput();
    /** Closes the relay's ends while they are still this thread's (no relay runs yet). */
    const release = (): void => {
      tapOutput?.destroy();
      pipes?.close();
    };
    if (this.ending) {
      release();
      return this.stoppedBeforeStart(log);
    }
    log.runner(`starting target: ${joinCommand(spec.targetArgv)}`);
    const target = spawn(spec.targetArgv[0]!, spec.targetArgv.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [pipes ? pipes.targetEnd : 'pipe', 'pipe', 'pipe'],
    });
    this.target = target;
    const targetSpawned = await spawned(target);
    pipes?.releaseTargetEnd();
    if (targetSpawned !== null) {
      release();
      return failedToSpawn(`the target could not be started: ${targetSpawned}`, log);
    }
    let chain: MapperChain | null = null;
    if (spec.mappers && spec.mappers.length > 0) {
      const started = await MapperChain.start(spec.mappers, target.stdin!, {
        cwd: spec.cwd,
        env: spec.env,
        log,
        onProgress: spec.onProgress,
        onFailure: () => this.terminateTap(TAP_ABORT_GRACE_MS, 'mapper failed'),
      });
      if ('spawnError' in started) {
        release();
        target.stdin!.end();
        await exited(target);
        return failedToSpawn(started.spawnError, log);
      }
      chain = this.chain = started;
    }
    // Where the tap's output goes (on the event loop), and what ends the target's input when the
    // tap is not started.
    const tapSink = chain ? chain.input : target.stdin;
    const endWithoutTap = async (): Promise<Exit> => {
      release();
      chain?.inputEnded();
      tapSink?.end();
      return (await Promise.all([exited(target), chain?.result()]))[0];
    };
    if (this.ending) {
      // Stopped while the target was starting: the tap is never started, the target sees an empty input.
      const r = await endWithoutTap();
      return { ...this.stoppedBeforeStart(log), targetExitCode: exitCodeOf(r.code, r.signal), runMs: performance.now() - startedAt };
    }
    log.runner(`starting tap: ${joinCommand(spec.tapArgv)}`);
    const tap = spawn(spec.tapArgv[0]!, spec.tapArgv.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', pipes ? pipes.tapEnd : (tapOutput?.childEnd ?? 'pipe'), 'pipe'],
    });
    this.tap = tap;
    tapOutput?.release();
    pipes?.releaseTapEnd();
    const tapSpawned = await spawned(tap);
    if (tapSpawned !== null) {
      await endWithoutTap();
      return failedToSpawn(`the tap could not be started: ${tapSpawned}`, log);
    }
    log.runner(`tap pid ${tap.pid}, target pid ${target.pid} (each in its own process group)`);

    const tapExit = exited(tap).then((r) => {
      this.tapExited = true;
      if (this.killTimer) clearTimeout(this.killTimer);
      return r;
    });
    let targetEndedFirst = false;
    let tapOutputEnded = false;
    let badOutput = false;
    /**
     * Whether the relay's thread has ended the target's input (the tap's output ended, or a bad
     * line): told through shared memory, at once. Its messages may come after the target's exit.
     */
    let threadEndedTargetInput = (): boolean => false;
    // Judged by the tap's output, not its exit event: Node may report the tap's exit after the
    // target's even when the tap ended first and the target merely finished reading.
    const targetExit = exited(target).then((r) => {
      if (chain ? chain.feedingTarget : !tapOutputEnded && !badOutput && !threadEndedTargetInput()) {
        targetEndedFirst = true;
        log.runner(`the target exited (${describeExit(r)}) while the tap was still running: stopping the tap`, 'ERROR');
        this.terminateTap(TAP_ABORT_GRACE_MS, 'target ended');
      }
      return r;
    });

    const stderrDone = Promise.all([
      onLines(tap.stderr!, (line) => {
        keepTail(tapTail, line);
        log.stderr('tap', line);
      }),
      onLines(target.stderr!, (line) => {
        keepTail(targetTail, line);
        log.stderr('target', line);
      }),
      onLines(
        target.stdout!,
        (line) => {
          const state = parseState(line);
          if (state) spec.onState(state);
          else if (line.trim() !== '') log.write('target', 'INFO', `stdout: ${line}`);
        },
        Number.MAX_SAFE_INTEGER,
      ),
    ]);

    const relayOptions = {
      // With mappers, records are counted where the target receives them: after the last one.
      onProgress: chain ? undefined : spec.onProgress,
      progressMs: 500,
      stopping: () => this.ending,
      // The tap is stopped as soon as its output goes bad: the target has all it will get.
      onBadLine: (bad: BadLine) => {
        badOutput = true;
        chain?.inputEnded();
        log.runner(`tap output line ${bad.lineNumber} is not a Singer message (${bad.reason}): ${bad.excerpt}`, 'ERROR');
        this.terminateTap(TAP_ABORT_GRACE_MS, 'bad tap output');
      },
    };
    let tapWrites: TapWrites | null = null;
    const thread = onThread ? relayOnThread(onThread.workerFile, onThread.pipes, relayOptions) : null;
    if (thread) threadEndedTargetInput = thread.endedTargetInput;
    const relaying: Promise<RelayResult> = thread
      ? thread.done.then(
          (r) => {
            tapWrites = { relay: 'thread', ...r.reads };
            return r;
          },
          (err: unknown) => {
            // Both pipes are closed by now: the target's input has ended, the tap cannot write.
            this.abort(err instanceof Error ? err.message : String(err));
            return relayFailed();
          },
        )
      : new Relay(tapOutput?.source ?? tap.stdout!, tapSink!, relayOptions).run().then((r) => {
          const reads = tapOutput?.source.reads();
          if (reads && !chain) tapWrites = { relay: 'event loop', ...reads };
          return r;
        });
    const relayed = relaying.then((r) => {
      tapOutputEnded = true;
      chain?.inputEnded();
      if (r.droppedTailBytes > 0) {
        log.runner(`dropped the tap's unfinished last line (${r.droppedTailBytes} bytes, cut off by the stop); the target got every complete line before it`, 'WARNING');
      }
      return r;
    });

    let bothExitedAt = 0;
    const bothExited = Promise.all([tapExit, targetExit, chain?.result() ?? null]).then((r) => {
      bothExitedAt = performance.now();
      return r;
    });
    const [[tapR, targetR, chainR], relayR] = await Promise.all([bothExited, relayed, stderrDone]);
    chain?.logExtracted(relayR.records);
    return {
      abortedBy: this.abortedBy,
      tapExitCode: exitCodeOf(tapR.code, tapR.signal),
      targetExitCode: exitCodeOf(targetR.code, targetR.signal),
      records: chainR ? chainR.records : relayR.records,
      badLine: relayR.badLine,
      stopped: this.stopRequested,
      targetEndedFirst,
      ...mapperOutcome(chainR),
      tapErrorTail: tapTail,
      targetErrorTail: targetTail,
      spawnError: null,
      runMs: bothExitedAt - startedAt,
      tapWrites,
    };
  }

  /** The named pipes and the script for the relay on a thread, when this job asked for it and it can run here. */
  private relayThread(): { workerFile: string; pipes: FifoPipes } | null {
    const { spec } = this;
    if (!spec.relayOnThread) return null;
    const why = spec.mappers && spec.mappers.length > 0 ? 'the job has mapper stages' : null;
    const workerFile = why ? null : relayWorkerFile();
    const pipes = workerFile ? openFifoPipes() : null;
    if (workerFile && pipes) {
      spec.log.runner("relaying on a thread: the last job's tap wrote its lines one at a time, fast");
      return { workerFile, pipes };
    }
    spec.log.runner(`relaying on the event loop: ${why ?? (workerFile ? 'named pipes cannot be made here' : "the relay's thread script is missing")}`);
    return null;
  }
}

/** What the relay hands on when its thread failed: nothing known of what went through. */
function relayFailed(): RelayResult {
  return { lines: 0, records: {}, otherMessages: 0, parsedLines: 0, badLine: null, targetClosed: false, droppedTailBytes: 0 };
}

function parseState(line: string): Record<string, unknown> | null {
  const t = line.trim();
  if (!t.startsWith('{')) return null;
  try {
    const v = JSON.parse(t) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function failedToSpawn(message: string, log: LogWriter): PipelineResult {
  log.runner(message, 'ERROR');
  return notStarted(message);
}


function mapperOutcome(r: ChainResult | null): Pick<PipelineResult, 'mapperExitCodes' | 'mapperFailure'> {
  return { mapperExitCodes: r?.exitCodes ?? [], mapperFailure: r?.failure ?? null };
}

/** The result of a pipeline whose programs never ran (a program could not be found or started). */
export function notStarted(message: string): PipelineResult {
  return {
    tapExitCode: null,
    targetExitCode: null,
    records: {},
    badLine: null,
    stopped: false,
    abortedBy: null,
    targetEndedFirst: false,
    ...mapperOutcome(null),
    tapErrorTail: [],
    targetErrorTail: [],
    spawnError: message,
    runMs: null,
    tapWrites: null,
  };
}
