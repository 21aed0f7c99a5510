/**
 * What the user is told without asking (issue 13 §6): a failed job (with Show Log and Start Again), a
 * skipped recurrence (which can be turned off), one summary after a catch-up, a scheduled start that
 * was refused. One notification per event: bursts are gathered, and an integration with a
 * notification still open gets no second one.
 */
import * as vscode from 'vscode';
import type { Job } from '../core/model';
import { clock, jobNumber, unpadJobIds } from '../core/viewText';
import { COMMANDS } from './constants';
import type { FolderEntry, Folders, JobEvent } from './folders';
import { ui } from './ui';

const GATHER_MS = 1000;
/** A toast with buttons hides into the notification centre without settling; stop waiting for it then. */
const OPEN_FOR_MS = 15_000;
const EDITOR_CLOSED = 'no scheduler ran (editor closed)';

export class Notifications implements vscode.Disposable {
  private readonly open = new Set<string>();
  private skipped: Array<{ entry: FolderEntry; job: Job }> = [];
  private gather: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;
  /** What was shown, newest last (the extension-host tests read it). */
  readonly shown: string[] = [];

  constructor(folders: Folders) {
    this.subscription = folders.onJobEvent((e) => this.on(e));
  }

  private on(e: JobEvent): void {
    const name = e.kind === 'refused' ? e.integration : e.job.integration;
    const arg = { folder: e.entry.folder.uri.toString(), name };
    switch (e.kind) {
      case 'ended':
        if (e.job.status !== 'Failed') return;
        this.once(`${arg.folder}|${name}`, 'error', `${name}: job ${jobNumber(e.job.id)} failed: ${unpadJobIds(e.job.error ?? 'see its log')}`, {
          'Show Log': () => vscode.commands.executeCommand(COMMANDS.showLog, { ...arg, job: e.job.id }),
          'Start Again': () => vscode.commands.executeCommand(COMMANDS.startExtraction, arg),
        });
        return;
      case 'interrupted':
        this.once(`${arg.folder}|${name}`, 'warning', `${name}: job ${jobNumber(e.job.id)} was interrupted: ${e.job.error ?? ''}`, {
          'Show Log': () => vscode.commands.executeCommand(COMMANDS.showLog, { ...arg, job: e.job.id }),
        });
        return;
      case 'refused': {
        const secret = (e.error as { secret?: unknown }).secret;
        this.once(`${arg.folder}|${name}`, 'error', `${name}: the ${e.trigger} job was not started: ${e.error.message}`, {
          ...(typeof secret === 'string' ? { 'Set Secret': () => vscode.commands.executeCommand(COMMANDS.setSecret, secret) } : {}),
          'Open Settings': () => vscode.commands.executeCommand(COMMANDS.openSettings, arg),
        });
        return;
      }
      case 'skipped':
        this.skipped.push({ entry: e.entry, job: e.job });
        this.gather ??= setTimeout(() => this.flushSkipped(), GATHER_MS);
        return;
      default:
        return;
    }
  }

  /** A catch-up after the editor was closed is one message; skips while a job ran are one per burst. */
  private flushSkipped(): void {
    this.gather = undefined;
    const all = this.skipped;
    this.skipped = [];
    const closed = all.filter((s) => s.job.error === EDITOR_CLOSED || s.job.error?.endsWith(EDITOR_CLOSED));
    const running = all.filter((s) => !closed.includes(s));
    if (closed.length > 0) {
      const names = [...new Set(closed.map((s) => s.job.integration))];
      const catchUp = vscode.workspace.getConfiguration('singer', closed[0]!.entry.folder.uri).get<string>('catchUp') === 'once';
      this.once(
        'catch-up',
        'info',
        `${closed.length} recurrence${closed.length === 1 ? '' : 's'} of ${names.join(', ')} fell while VS Code was closed and ${closed.length === 1 ? 'was' : 'were'} recorded as Skipped.` +
          (catchUp ? ` One catch-up job started for ${names.length === 1 ? 'it' : 'each'}.` : ' No catch-up job runs (singer.catchUp is "skip").'),
        {},
      );
    }
    if (running.length > 0 && vscode.workspace.getConfiguration('singer', running[0]!.entry.folder.uri).get<boolean>('notifyOnSkipped', true)) {
      const first = running[0]!.job;
      const text =
        running.length === 1
          ? `${first.integration}: the run due ${clock(new Date(first.startedAt), new Date())} was skipped: ${unpadJobIds(first.error ?? '')}.`
          : `${running.length} scheduled runs were skipped because the previous job was still running (${[...new Set(running.map((s) => s.job.integration))].join(', ')}).`;
      this.once('skipped', 'info', text, {
        "Don't Show Again": () => vscode.workspace.getConfiguration('singer').update('notifyOnSkipped', false, vscode.ConfigurationTarget.Global),
      });
    }
  }

  private once(key: string, level: 'info' | 'warning' | 'error', text: string, actions: Record<string, () => Thenable<unknown>>): void {
    if (this.open.has(key)) return;
    this.open.add(key);
    this.shown.push(text);
    const timer = setTimeout(() => this.open.delete(key), OPEN_FOR_MS);
    void ui.message(level === 'warning' ? 'warning' : level, text, ...Object.keys(actions)).then((choice) => {
      clearTimeout(timer);
      this.open.delete(key);
      if (choice) void actions[choice]?.();
    });
  }

  dispose(): void {
    this.subscription.dispose();
    if (this.gather) clearTimeout(this.gather);
  }
}

export function registerNotifications(context: vscode.ExtensionContext, folders: Folders): Notifications {
  const n = new Notifications(folders);
  context.subscriptions.push(n);
  return n;
}
