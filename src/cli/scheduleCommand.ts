/** Placeholder wiring until the scheduler lands: next runs and cron validation. */
import { Cron } from 'croner';
import type { Engine } from '../core/engine';
import { usageError } from '../core/errors';
import type { Io } from './output';

export const DEFAULT_FREQUENCY_MS = 3_600_000;

export function validateCronExpression(expression: string, timezone?: string): string | null {
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      return `--timezone ${timezone} is not a known IANA time zone. Use a name like Europe/Berlin or UTC.`;
    }
  }
  try {
    new Cron(expression, timezone === undefined ? { paused: true } : { paused: true, timezone });
    return null;
  } catch (err) {
    return `--cron "${expression}" is not a valid cron schedule (${(err as Error).message}).`;
  }
}

export async function nextRunAt(engine: Engine, name: string): Promise<Date | null> {
  void engine;
  void name;
  return null;
}

export async function scheduleCommand(engine: Engine, io: Io): Promise<number> {
  void engine;
  void io;
  throw usageError('the scheduler is not available yet.');
}
