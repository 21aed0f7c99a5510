/**
 * What the host does for one settings page: tells it the integration as saved (on `ready` and on every
 * change, by anyone), checks its form with the engine's own code, saves through the engine, and runs
 * the page's requests (Browse…, Active/Paused, Show Log). settingsPanel.ts owns the webview.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import { formOf, sameForm, type SettingsForm, type SettingsPatch } from '../core/settingsForm';
import type { CheckResult, FileField, Snapshot, ToHost } from '../webview/protocol';
import { COMMANDS } from './constants';
import { core } from './core';
import type { FolderEntry } from './folders';
import type { SettingsPanel, SettingsPanels } from './settingsPanel';

/** A burst of changes (a job starting writes several times) becomes one snapshot. */
const CHANGE_DEBOUNCE_MS = 60;
/** A running job's record count reaches the page at most this often. */
const PROGRESS_EVERY_MS = 1000;

const FILE_LABELS: Record<FileField, string> = { tapConfig: 'tap config', targetConfig: 'target config', catalog: 'catalog' };

class Conflict extends Error {}

export class SettingsSession {
  private lastSent: string | undefined;
  private changeTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  /** Snapshots go out one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    private readonly panel: SettingsPanel,
    private readonly owner: SettingsPanels,
  ) {}

  changed(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      void this.sendSnapshot(false);
    }, CHANGE_DEBOUNCE_MS);
  }

  progressed(): void {
    if (this.progressTimer) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      void this.sendSnapshot(false);
    }, PROGRESS_EVERY_MS);
  }

  /** Posts the integration as saved now; unless `force`, only when it differs from the last one posted. */
  sendSnapshot(force: boolean): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.disposed || !this.panel.isReady) return;
      const s = await this.snapshot().catch((err: unknown) => ({ gone: `Settings: the integrations of this folder cannot be read: ${errorMessage(err)}` }));
      const message = 'gone' in s ? { type: 'gone' as const, message: s.gone } : { type: 'snapshot' as const, snapshot: s };
      const text = JSON.stringify(message);
      if (!force && text === this.lastSent) return;
      if (this.panel.post(message)) this.lastSent = text;
    });
    return this.queue;
  }

  async handle(m: Exclude<ToHost, { type: 'ready' }>): Promise<void> {
    switch (m.type) {
      case 'check':
        this.panel.post({ type: 'checked', seq: m.seq, result: await this.check(m.form, null) });
        return;
      case 'save':
        return this.save(m.seq, m.base, m.form);
      case 'browse':
        return this.browse(m.field);
      case 'setPaused':
        return this.setPaused(m.paused);
      case 'showLog':
        await vscode.commands.executeCommand(COMMANDS.showLog, { folder: this.panel.folder, name: this.panel.name, job: m.job });
        return;
      case 'openDefaultSetting':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'singer.defaultReplicationFrequency');
        return;
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.changeTimer);
    clearTimeout(this.progressTimer);
  }

  private async snapshot(): Promise<Snapshot | { gone: string }> {
    const entry = this.panel.entry();
    const name = this.panel.name;
    if (!entry) return { gone: `The folder of ${name} is not open in this window any more.` };
    const row = (await entry.workspace.rows()).find((r) => r.integration.name === name);
    if (!row) return { gone: `There is no integration named ${name} in ${entry.folder.name} any more: it was deleted.` };
    const defaultFrequencyMs = entry.workspace.currentSettings.defaultFrequencyMs;
    const jobs = await entry.workspace.engine.jobs(name);
    const { form, status } = core().settingsView(row, jobs, defaultFrequencyMs, this.owner.folders.liveRecords(entry, name));
    const mappers = row.integration.mappers.map((m) => ({ name: m.name, command: core().joinCommand(m.command), config: m.config ?? '' }));
    return { folder: this.panel.folder, folderName: entry.folder.name, name, form, defaultFrequencyMs, mappers, trusted: vscode.workspace.isTrusted, status };
  }

  /** The form checked field by field, with the next start times of its schedule as the scheduler plans them. */
  private async check(form: SettingsForm, base: SettingsForm | null): Promise<CheckResult & { patch: SettingsPatch | null }> {
    const entry = this.requireEntry();
    const { checkSettingsForm, upcomingRuns } = core();
    const c = checkSettingsForm(entry.workspace.engine.paths, base, form, process.env.PATH);
    let upcoming: CheckResult['upcoming'] = { runs: [], note: null };
    if (c.schedule === null) {
      upcoming.note = c.errors.cron ?? c.errors.timezone ?? c.errors.frequency ?? 'The schedule is not valid.';
    } else {
      const db = await entry.workspace.engine.read();
      const it = db.integrations.find((i) => i.name === this.panel.name);
      if (it) {
        const s = entry.workspace.currentSettings;
        try {
          const runs = upcomingRuns(db, it, c.schedule, { now: new Date(), defaultFrequencyMs: s.defaultFrequencyMs, catchUp: s.catchUp });
          upcoming = {
            runs: runs.map((d) => d.toISOString()),
            note: runs.length === 0 ? 'This cron expression never fires again.' : it.paused ? 'Paused: these are the starts once the integration is active again.' : null,
          };
        } catch (err) {
          upcoming.note = errorMessage(err);
        }
      }
    }
    return { errors: c.errors as Record<string, string>, warnings: c.warnings as Record<string, string>, argv: c.argv, upcoming, patch: c.patch };
  }

  /**
   * Save Integration: refused while any field has an error, and when the integration changed since
   * the page loaded it (the page then offers to reload); otherwise only what the user changed is
   * written. The page gets the integration as saved before the answer, so it can take it as its base.
   */
  private async save(seq: number, base: SettingsForm, form: SettingsForm): Promise<void> {
    const name = this.panel.name;
    let outcome: 'saved' | 'unchanged' | 'invalid' | 'conflict' | 'failed';
    let message: string | null = null;
    let result: CheckResult | null = null;
    try {
      const entry = this.requireEntry();
      const { patch, ...checked } = await this.check(form, base);
      result = checked;
      if (patch === null) {
        outcome = 'invalid';
        message = 'Fix the fields marked in red; nothing was saved.';
      } else if (Object.keys(patch).length === 0) {
        outcome = 'unchanged';
      } else {
        const defaultMs = entry.workspace.currentSettings.defaultFrequencyMs;
        await entry.workspace.engine.updateIntegration(name, (it) => {
          // Checked again under the database lock: another window or the CLI may have saved meanwhile.
          if (!sameForm(formOf(it, defaultMs), base)) throw new Conflict();
          core().applySettingsPatch(it, patch);
        });
        outcome = 'saved';
        message = `Saved ${name}. ${patch.schedule ? 'The new schedule is in force now.' : 'The next job uses the new settings.'}`;
      }
    } catch (err) {
      outcome = err instanceof Conflict ? 'conflict' : 'failed';
      message = err instanceof Conflict ? `${name} was changed elsewhere since this page loaded it; nothing was saved.` : `${name} was not saved: ${errorMessage(err)}`;
      result = null;
    }
    await this.sendSnapshot(false);
    this.panel.post({ type: 'saveResult', seq, outcome, message, result });
  }

  private async browse(field: FileField): Promise<void> {
    const entry = this.requireEntry();
    const picked = await this.owner.pickFile({
      defaultUri: entry.folder.uri,
      canSelectMany: false,
      canSelectFolders: false,
      filters: { JSON: ['json'] },
      openLabel: `Use as the ${FILE_LABELS[field]}`,
      title: `${this.panel.name}: the ${FILE_LABELS[field]} file`,
    });
    if (picked?.[0]) this.panel.post({ type: 'browsed', field, path: entry.workspace.engine.paths.relative(picked[0].fsPath) });
  }

  private async setPaused(paused: boolean): Promise<void> {
    try {
      await this.requireEntry().workspace.engine.setPaused(this.panel.name, paused);
    } catch (err) {
      this.panel.post({ type: 'notice', level: 'error', text: `${this.panel.name} was not ${paused ? 'paused' : 'resumed'}: ${errorMessage(err)}` });
    }
    await this.sendSnapshot(false);
  }

  private requireEntry(): FolderEntry {
    const entry = this.panel.entry();
    if (!entry) throw new Error(`the folder of ${this.panel.name} is not open in this window any more`);
    return entry;
  }
}
