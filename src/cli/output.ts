/** How the CLI prints: tables for people, JSON for scripts, errors as one sentence on stderr. */
import type { TerminalStream } from './progressLine';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr when it is a terminal, for lines redrawn in place (a job's progress); else undefined. */
  terminal?: TerminalStream | undefined;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  terminal: process.stderr.isTTY ? process.stderr : undefined,
};

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
