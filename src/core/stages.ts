/**
 * Mapper stages (DESIGN §5 "Mapper stages"): `tap | mapper… | target`. Each mapper runs as
 * `COMMAND --config FILE` in its own process group, spawned without a shell; a relay joins each pair,
 * so every stage's output is checked line by line as the tap's is, and the last relay's counts are the
 * records the target received. The pipeline (pipeline.ts) starts the chain between target and tap:
 *
 * - Stop Extraction signals only the tap; each mapper reads to the end of its input and exits (rule 9).
 * - A mapper that exits non-zero, exits before its input ended, or writes a line that is not a Singer
 *   message fails the job as a failing target does: the pipeline stops the tap at once, and what the
 *   mapper wrote before goes on to the target, which loads it (rule 12). Its output is drained either way.
 * - Their process groups are recorded with the job, so reconcile kills them too (rule 13).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { joinCommand } from './argv';
import { describeExit, exited, keepTail, spawned, type Exit } from './childExit';
import { classifyStderr, onLines, type LogWriter } from './logfile';
import type { Integration } from './model';
import { exitCodeOf } from './process';
import { Relay, type RelayResult } from './relay';

/** A mapper as the pipeline runs it: the resolved argv, ending in `--config FILE`. */
export interface MapperStage {
  name: string;
  argv: string[];
}

export interface MapperFailure {
  name: string;
  /** One sentence for the job's error: what the mapper did, and its stderr tail. */
  message: string;
}

export interface ChainResult {
  exitCodes: (number | null)[];
  /** RECORD messages the target received, per stream. */
  records: Record<string, number>;
  failure: MapperFailure | null;
}

export interface ChainOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: LogWriter;
  onProgress?: ((records: Readonly<Record<string, number>>) => void) | undefined;
  /** Called once, at the first failure, so the pipeline stops the tap (rule 12). */
  onFailure: (failure: MapperFailure) => void;
}

/** The config files an integration's jobs read, with how errors name each: tap, target, then the mappers. */
export function configFilesOf(it: Pick<Integration, 'name' | 'tapConfig' | 'targetConfig' | 'mappers'>): { file: string; what: string }[] {
  const out: { file: string; what: string }[] = [];
  if (it.tapConfig !== null) out.push({ file: it.tapConfig, what: `the tap config of ${it.name}` });
  if (it.targetConfig !== null) out.push({ file: it.targetConfig, what: `the target config of ${it.name}` });
  for (const m of it.mappers) if (m.config !== null) out.push({ file: m.config, what: mapperConfigWhat(it.name, m.name) });
  return out;
}

export function mapperConfigWhat(integration: string, mapper: string): string {
  return `the config of ${integration}'s mapper ${mapper}`;
}

/** The name `add --mapper` gives a mapper: its program's, or the script an interpreter runs (`python3 hide.py` -> hide). */
export function mapperNameOf(argv: readonly string[]): string {
  const base = (p: string): string => p.split('/').pop()!.replace(/\.(py|js|mjs|cjs|ts|sh|rb|pl)$/, '');
  const first = base(argv[0]!);
  if (/^(python[\d.]*|pypy[\d.]*|node|nodejs|bun|deno|ruby|perl|sh|bash)$/.test(first)) {
    if (argv[1] === '-m' && argv[2]) return argv[2];
    if (argv[1] && !argv[1].startsWith('-')) return base(argv[1]);
  }
  return first || 'mapper';
}

/**
 * The running mappers. `start` spawns them (the last first, so each has a reader before its writer
 * starts) with their output relayed downstream into `targetInput`; the pipeline relays the tap into
 * `input`, and calls `inputEnded` when the tap's output has ended.
 */
export class MapperChain {
  readonly pgids: number[] = [];
  private readonly procs: ChildProcess[] = [];
  private readonly tails: string[][] = [];
  /** inputDone[i]: mapper i's input has ended (the tap's output, or mapper i-1's). */
  private readonly inputDone: boolean[];
  private outputDone = false;
  private failure: MapperFailure | null = null;
  private done: Promise<ChainResult> | undefined;

  private constructor(
    private readonly stages: readonly MapperStage[],
    private readonly o: ChainOptions,
  ) {
    this.inputDone = stages.map(() => false);
  }

  /** Spawns the mappers; on a spawn error, ends those already started and returns the error's sentence. */
  static async start(stages: readonly MapperStage[], targetInput: Writable, o: ChainOptions): Promise<MapperChain | { spawnError: string }> {
    const chain = new MapperChain(stages, o);
    for (let i = stages.length - 1; i >= 0; i--) {
      const s = stages[i]!;
      o.log.runner(`starting mapper ${s.name}: ${joinCommand(s.argv)}`);
      const child = spawn(s.argv[0]!, s.argv.slice(1), { cwd: o.cwd, env: o.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      const error = await spawned(child);
      if (error !== null) {
        for (const p of chain.procs) p.stdin!.end();
        await Promise.all(chain.procs.map(exited));
        return { spawnError: `the mapper ${s.name} could not be started: ${error}` };
      }
      chain.procs.unshift(child);
      chain.pgids.unshift(child.pid!);
    }
    chain.done = chain.run(targetInput);
    return chain;
  }

  /** The first mapper's stdin, where the tap's output goes. */
  get input(): Writable {
    return this.procs[0]!.stdin!;
  }

  /** Whether the target's input is still open: the last mapper's output has not ended. */
  get feedingTarget(): boolean {
    return !this.outputDone;
  }

  /** The tap's output has ended (normally, by a stop, or cut at a bad line). */
  inputEnded(): void {
    this.inputDone[0] = true;
  }

  result(): Promise<ChainResult> {
    return this.done!;
  }

  /** Logs what the tap extracted, beside what the target received (runner.ts logs that). */
  logExtracted(records: Record<string, number>): void {
    for (const [stream, n] of Object.entries(records)) this.o.log.runner(`stream ${stream}: ${n} records from the tap, before the mappers`);
  }

  private fail(i: number, what: string): void {
    if (this.failure) return;
    const tail = this.tails[i]!;
    const name = this.stages[i]!.name;
    this.failure = { name, message: `the mapper ${name} ${what}${tail.length ? `: ${tail.slice(-5).join(' | ')}` : ''}` };
    this.o.log.runner(`the mapper ${name} ${what}: stopping the tap; the target loads what reached it`, 'ERROR');
    this.o.onFailure(this.failure);
  }

  private async run(targetInput: Writable): Promise<ChainResult> {
    const { log } = this.o;
    const n = this.procs.length;
    const stderr: Promise<void>[] = [];
    const exits: Promise<Exit>[] = [];
    const relays: Promise<RelayResult>[] = [];
    for (let i = 0; i < n; i++) {
      const child = this.procs[i]!;
      const name = this.stages[i]!.name;
      const tail: string[] = [];
      this.tails.push(tail);
      stderr.push(
        onLines(child.stderr!, (line) => {
          keepTail(tail, line);
          const { level, text } = classifyStderr(line);
          log.write('mapper', level, `[${name}] ${text}`);
        }),
      );
      // Judged by the mapper's input, not by the order of exit events (see the target in pipeline.ts).
      exits.push(
        exited(child).then((r) => {
          const code = exitCodeOf(r.code, r.signal);
          if (code !== 0) this.fail(i, `failed (${describeExit(r)})`);
          else if (!this.inputDone[i]) this.fail(i, `exited (${describeExit(r)}) before the end of its input`);
          return r;
        }),
      );
    }
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      const sink = last ? targetInput : this.procs[i + 1]!.stdin!;
      const relay = new Relay(this.procs[i]!.stdout!, sink, {
        ...(last && this.o.onProgress ? { onProgress: this.o.onProgress, progressMs: 500 } : {}),
        // The relay ends the next stage's input at a bad line: that stage ending then is no failure of its own.
        onBadLine: (bad) => {
          if (last) this.outputDone = true;
          else this.inputDone[i + 1] = true;
          this.fail(i, `wrote output line ${bad.lineNumber}, which is not a Singer message (${bad.reason}): ${bad.excerpt}`);
        },
      });
      relays.push(
        relay.run().then((r) => {
          if (last) this.outputDone = true;
          else this.inputDone[i + 1] = true;
          return r;
        }),
      );
    }
    const [exitResults, relayResults] = await Promise.all([Promise.all(exits), Promise.all(relays), Promise.all(stderr)]);
    exitResults.forEach((r, i) => log.runner(`mapper ${this.stages[i]!.name} ended (${describeExit(r)})`));
    return {
      exitCodes: exitResults.map((r) => exitCodeOf(r.code, r.signal)),
      records: relayResults[n - 1]!.records,
      failure: this.failure,
    };
  }
}
