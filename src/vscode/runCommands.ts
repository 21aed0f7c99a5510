/**
 * Start Extraction, Start Extraction (Full Re-replication), Stop Extraction, Pause, Resume, Reset
 * Replication State and Delete Integration (DESIGN rules 5, 6, 8, 9, 11). Each acts on the tree node
 * it was invoked on, or asks with a quick pick of the integrations it applies to; the work is the
 * engine's.
 */
import * as vscode from 'vscode';
import type { Job } from '../core/model';
import type { IntegrationRow } from '../core/rows';
import { records as recordsText } from '../core/viewText';
import { totalRecords } from '../core/jobs';
import { COMMANDS, MANAGE_TRUST_COMMAND } from './constants';
import type { FolderEntry, Folders } from './folders';
import { argOf, resolveTarget, type Target } from './pick';
import { ui } from './ui';

const isActive = (r: IntegrationRow): boolean => r.syncStatus === 'Running' || r.syncStatus === 'Stopping';
const any = (): boolean => true;

export function registerRunCommands(context: vscode.ExtensionContext, folders: Folders): void {
  const reg = (id: string, run: (arg: unknown) => Promise<unknown>): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, run));
  };

  reg(COMMANDS.startExtraction, async (arg) => {
    if (!requireTrust('Start Extraction')) return undefined;
    const t = await resolveTarget(folders, arg, { applies: (r) => !isActive(r), placeHolder: 'Start an extraction of…', none: 'Every integration is running already.' });
    return t && start(t, false);
  });

  reg(COMMANDS.startFullReplication, async (arg) => {
    if (!requireTrust('Start Extraction (Full Re-replication)')) return undefined;
    const t = await resolveTarget(folders, arg, { applies: (r) => !isActive(r), placeHolder: 'Start a full re-replication of…', none: 'Every integration is running already.' });
    if (!t) return undefined;
    const name = t.row.integration.name;
    const ok = await ui.confirm(
      `Start a full re-replication of ${name}?`,
      'The tap starts from an empty state and extracts everything again. The saved state is replaced as soon as the target confirms new state; until then the current one is kept.',
      'Start Full Re-replication',
    );
    return ok ? start(t, true) : undefined;
  });

  reg(COMMANDS.stopExtraction, async (arg) => {
    const t = await resolveTarget(folders, arg, { applies: isActive, placeHolder: 'Stop the extraction of…', none: 'No extraction is running.', skipWhenOne: true });
    return t && stop(t);
  });

  reg(COMMANDS.pauseIntegration, async (arg) => {
    const t = await resolveTarget(folders, arg, { applies: (r) => !r.integration.paused, placeHolder: 'Pause the schedule of…', none: 'Every integration is paused already.' });
    if (!t) return undefined;
    return guarded(t, async () => {
      await t.entry.workspace.engine.setPaused(t.row.integration.name, true);
      const running = isActive(t.row) ? ' The running job goes on; stop it with Stop Extraction.' : '';
      void vscode.window.setStatusBarMessage(`Singer: ${t.row.integration.name} paused: no scheduled job starts.${running}`, 5000);
      return true;
    });
  });

  reg(COMMANDS.resumeIntegration, async (arg) => {
    const t = await resolveTarget(folders, arg, { applies: (r) => r.integration.paused, placeHolder: 'Resume the schedule of…', none: 'No integration is paused.' });
    if (!t) return undefined;
    return guarded(t, async () => {
      await t.entry.workspace.engine.setPaused(t.row.integration.name, false);
      void vscode.window.setStatusBarMessage(`Singer: ${t.row.integration.name} resumed its schedule.`, 5000);
      return true;
    });
  });

  reg(COMMANDS.resetState, async (arg) => {
    const t = await resolveTarget(folders, arg, { applies: (r) => !isActive(r), placeHolder: 'Reset the replication state of…', none: 'Every integration is running; stop one first.' });
    if (!t) return undefined;
    const name = t.row.integration.name;
    const ok = await ui.confirm(
      `Reset the replication state of ${name}?`,
      `The saved state (.singer/state/${name}.json) is deleted, so the next job extracts everything from the beginning. This cannot be undone.`,
      'Reset Replication State',
    );
    if (!ok) return undefined;
    return guarded(t, async () => {
      await t.entry.workspace.engine.resetState(name);
      void ui.message('info', `${name}: the replication state was reset; the next job starts from the beginning.`);
      return true;
    });
  });

  reg(COMMANDS.deleteIntegration, async (arg) => {
    const t = await resolveTarget(folders, arg, { applies: any, placeHolder: 'Delete the integration…', none: 'There is no integration to delete.' });
    if (!t) return undefined;
    const name = t.row.integration.name;
    const ok = await ui.confirm(
      `Delete the integration ${name}?`,
      'Its job history, extraction logs and saved state are deleted. Its config and catalog files stay where they are. This cannot be undone.',
      'Delete Integration',
    );
    if (!ok) return undefined;
    return guarded(t, async () => {
      await t.entry.workspace.engine.remove(name);
      void vscode.window.setStatusBarMessage(`Singer: deleted ${name}`, 5000);
      return true;
    });
  });
}

/** A manual job (rule 5 re-anchors the schedule). Resolves with its id once it has started. */
async function start(t: Target, fullRefresh: boolean): Promise<{ jobId: string } | undefined> {
  return guarded(t, async () => {
    const job = await t.entry.workspace.engine.start(t.row.integration.name, { trigger: 'manual', fullRefresh });
    return { jobId: job.jobId };
  });
}

/** Stop Extraction (rule 9): confirmed in a modal, then a progress notification until the job has ended. */
async function stop(t: Target): Promise<Job | undefined> {
  const name = t.row.integration.name;
  const grace = t.entry.workspace.engine.stopGracePeriodSeconds;
  const ok = await ui.confirm(
    `Stop the extraction of ${name}?`,
    `The tap gets SIGTERM (SIGKILL after ${grace} s if it has not ended). The target keeps running and loads what was already extracted; ` +
      'the job ends Cancelled, and the next job resumes from the state the target saved.',
    'Stop Extraction',
  );
  if (!ok) return undefined;
  return guarded(t, async () => {
    const job = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Stopping ${name}: the target loads what was extracted…` },
      () => t.entry.workspace.engine.stop(name),
    );
    if (!job) {
      void ui.message('info', `${name} has no job running; nothing to stop.`);
      return undefined;
    }
    const n = totalRecords(job.records);
    const message = `${name}: ${job.status}, ${recordsText(n)} loaded.`;
    void ui.message('info', message, 'Show Log').then((a) => {
      if (a) void vscode.commands.executeCommand(COMMANDS.showLog, { ...argOf(t), job: job.id });
    });
    return job;
  });
}

/** Runs an engine call, turning its refusals into messages that offer the next step. */
async function guarded<T>(t: Target, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    showEngineError(err, t.entry, t.row.integration.name);
    return undefined;
  }
}

export function showEngineError(err: unknown, entry: FolderEntry, name: string): void {
  const message = err instanceof Error ? err.message : String(err);
  const e = err as { exitCode?: number; jobId?: string | null; secret?: string };
  if (e.exitCode === 4) {
    // Rule 8: a second job is refused, never queued; the running one's log is a click away.
    void ui.message('warning', message, 'Show Log').then((a) => {
      if (a) void vscode.commands.executeCommand(COMMANDS.showLog, { folder: entry.folder.uri.toString(), name, ...(e.jobId ? { job: e.jobId } : {}) });
    });
  } else if (typeof e.secret === 'string') {
    void ui.message('error', `${name}: ${message}`, 'Set Secret').then((a) => {
      if (a) void vscode.commands.executeCommand(COMMANDS.setSecret, e.secret);
    });
  } else {
    void ui.message('error', `${name}: ${message}`);
  }
}

/** Spawning programs needs a trusted workspace (rule 17): say so, with the way to grant it. */
export function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void ui
    .message(
      'warning',
      `${what} needs a trusted workspace: it runs the integration's tap and target programs. Trust this workspace to run them; until then integrations and logs can be read.`,
      'Manage Workspace Trust',
    )
    .then((a) => {
      if (a) void vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
    });
  return false;
}
