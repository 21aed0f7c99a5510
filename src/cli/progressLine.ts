/**
 * The live line `run` keeps on a terminal while a job runs: records so far per stream, the rate and
 * the elapsed time, redrawn in place. Only on a terminal: scripts reading stderr get the same lines
 * as before and nothing else.
 */
import { totalRecords } from '../core/jobs';

export interface TerminalStream {
  write(text: string): unknown;
  /** The terminal's width; the line is cut to it so it never wraps (a wrapped line cannot be redrawn). */
  columns?: number | undefined;
}

const CLEAR_LINE = '\r\x1b[K';

export class ProgressLine {
  private shown = false;

  constructor(
    private readonly stream: TerminalStream,
    private readonly startedAt: number,
    private readonly now: () => number = Date.now,
  ) {}

  update(records: Readonly<Record<string, number>>): void {
    let text = formatProgress(records, this.now() - this.startedAt);
    const width = this.stream.columns;
    if (width !== undefined && width > 1 && text.length > width - 1) text = `${text.slice(0, width - 2)}…`;
    this.stream.write(`${CLEAR_LINE}${text}`);
    this.shown = true;
  }

  /** Removes the line, so the next message starts on a clean line. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write(CLEAR_LINE);
    this.shown = false;
  }
}

/** `12,345 records (users 10,000, orders 2,345) · 4,321/s · 0:12` */
export function formatProgress(records: Readonly<Record<string, number>>, elapsedMs: number): string {
  const total = totalRecords(records);
  const streams = Object.entries(records).map(([s, n]) => `${s} ${n.toLocaleString('en-US')}`);
  const seconds = Math.max(0, Math.floor(elapsedMs / 1000));
  const rate = elapsedMs >= 1000 ? ` · ${Math.round(total / (elapsedMs / 1000)).toLocaleString('en-US')}/s` : '';
  const clock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  return `${total.toLocaleString('en-US')} record${total === 1 ? '' : 's'}${streams.length > 1 ? ` (${streams.join(', ')})` : ''}${rate} · ${clock}`;
}
