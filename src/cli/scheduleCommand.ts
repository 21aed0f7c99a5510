/** `schedule`: the scheduler in the foreground, one line per event; and cron validation for `add`. */
import type { Engine } from '../core/engine';
import { validateCron } from '../core/schedule/cron';
import { Scheduler } from '../core/schedule/driver';
import type { SingerSettings } from '../core/settings';
import type { Io } from './output';

export function validateCronExpression(expression: string, timezone?: string): string | null {
  const r = validateCron(expression, timezone);
  return r.ok ? null : r.error;
}

export async function scheduleCommand(engine: Engine, settings: SingerSettings, io: Io): Promise<number> {
  const line = (text: string): void => io.out(`${new Date().toISOString()} ${text}`);
  const scheduler = new Scheduler(
    engine,
    { defaultFrequencyMs: settings.defaultFrequencyMs, catchUp: settings.catchUp },
    {
      onActive: () => line(`scheduler active for ${engine.paths.workspace}`),
      onStandby: (h) => line(`standing by: another scheduler (pid ${h.pid}) drives this workspace; taking over when it ends`),
      onNextRun: (name, at) => line(`${name}: next run ${at ? at.toISOString() : 'none (paused)'}`),
      onSkipped: (j) => line(`${j.integration}: recurrence due ${j.startedAt} skipped (job ${j.id}): ${j.error ?? ''}`),
      onStarted: (name, id, trigger) => line(`${name}: job ${id} started (${trigger})`),
      onError: (name, message) => line(`${name === '*' ? 'scheduler' : name}: error: ${message}`),
    },
  );
  const offEnded = engine.events.on('jobEnded', (j) => line(`${j.integration}: job ${j.id} ended ${j.status}${j.error ? `: ${j.error}` : ''}`));
  scheduler.start();
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      line(`${signal}: stopping the scheduler and any running extraction`);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  scheduler.dispose();
  await engine.stopAllHere();
  offEnded();
  line('scheduler stopped');
  return 0;
}
