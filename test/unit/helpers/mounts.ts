/**
 * Real file-system faults for the tests, without touching the machine: a tiny tmpfs (a disk that
 * fills up) or a read-only bind mount, made in a private mount namespace that only the commands of
 * the test see and that disappears with it. Needs root (CAP_SYS_ADMIN) and `unshare`/`nsenter`; where
 * that is impossible `mountNamespace` returns why, and the test is skipped saying so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { CLI_JS, type CliResult } from './workspace';

const HOLDER = path.join(__dirname, 'mountHolder.cjs');

export interface MountNamespace {
  readonly pid: number;
  /** A path as the commands in the namespace see it, readable and writable from the test. */
  inside(p: string): string;
  /** Runs the built CLI in the namespace. */
  cli(workspace: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  close(): Promise<void>;
}

export type MountSpec = { kind: 'tmpfs'; dir: string; size: string } | { kind: 'read-only'; dir: string };

/** The namespace, or the reason it cannot be made here. */
export async function mountNamespace(spec: MountSpec): Promise<MountNamespace | string> {
  if (process.platform !== 'linux') return `mount namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'making a mount needs root here, and the tests run as an ordinary user';
  let holder: ChildProcess;
  try {
    holder = spawn('unshare', ['--mount', '--propagation', 'private', process.execPath, HOLDER, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    return `unshare could not be started: ${(err as Error).message}`;
  }
  const said = await new Promise<string>((resolve) => {
    let out = '';
    let err = '';
    holder.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    holder.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    holder.once('error', (e) => resolve(`failed: ${e.message}`));
    holder.once('exit', (code) => resolve(`failed: unshare exited ${code}: ${err.trim() || out.trim()}`));
  });
  if (said !== 'ready') {
    holder.kill('SIGKILL');
    return `no ${spec.kind} mount could be made in a private mount namespace (${said.replace(/^failed: /, '')})`;
  }
  const pid = holder.pid!;
  return {
    pid,
    inside: (p) => `/proc/${pid}/root${path.resolve(p)}`,
    cli: (workspace, args, env) =>
      new Promise((resolve) => {
        const child = spawn('nsenter', [`--target=${pid}`, '--mount', '--', process.execPath, CLI_JS, '--workspace', workspace, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: env ?? process.env,
        });
        let out = '';
        let err = '';
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => resolve({ code: code ?? -1, out, err }));
      }),
    close: () =>
      new Promise((resolve) => {
        if (holder.exitCode !== null) return resolve();
        holder.once('exit', () => resolve());
        holder.stdin!.end();
      }),
  };
}
