/** `schedule`: the scheduler in the foreground, one line per event (the bench and tests read them). */
import type { Workspace } from '../core/workspace';
import type { Io } from './output';

export async function scheduleCommand(ws: Workspace, io: Io): Promise<number> {
  const line = (text: string): void => io.out(`${new Date().toISOString()} ${text}`);
  const { events } = ws;
  const subscriptions = [
    events.on('schedulerActive', () => line(`scheduler active for ${ws.folder}`)),
    events.on('schedulerStandby', (h) => line(`standing by: another scheduler (pid ${h.pid}) drives this workspace; taking over when it ends`)),
    events.on('nextRun', (name, at) => line(`${name}: next run ${at ? at.toISOString() : 'none (paused)'}`)),
    events.on('jobSkipped', (j) => line(`${j.integration}: recurrence due ${j.startedAt} skipped (job ${j.id}): ${j.error ?? ''}`)),
    events.on('jobStarted', (j) => line(`${j.integration}: job ${j.id} started (${j.trigger})`)),
    events.on('jobEnded', (j) => line(`${j.integration}: job ${j.id} ended ${j.status}${j.error ? `: ${j.error}` : ''}`)),
    events.on('jobInterrupted', (j) => line(`${j.integration}: job ${j.id} ended Interrupted: ${j.error ?? ''}`)),
    events.on('jobRefused', (name, trigger, err) => line(`${name}: error: the ${trigger} job was not started: ${err.message}`)),
    events.on('error', (message) => line(`scheduler: error: ${message}`)),
    events.on('notice', (message) => line(`note: ${message}`)),
  ];
  ws.start();
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
  ws.setScheduling(false);
  await ws.engine.stopAllHere();
  for (const s of subscriptions) s.dispose();
  ws.dispose();
  line('scheduler stopped');
  return 0;
}
