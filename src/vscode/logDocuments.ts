/**
 * Extraction logs as read-only documents (DESIGN §6): `singer-log:/NAME #12` through a content
 * provider, language `singer-log` (coloured by syntaxes/singer-log.tmLanguage.json), following the
 * file while the job runs and staying at the end if the reader was there. Python tracebacks in a
 * log link to the file and line they name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Job } from '../core/model';
import { jobDescription, jobLabel, jobNumber } from '../core/viewText';
import { ui } from './ui';
import { COMMANDS, LOG_LANGUAGE, LOG_SCHEME } from './constants';
import type { FolderEntry, Folders } from './folders';
import { isIntegrationArg, resolveTarget } from './pick';

const FOLLOW_EVERY_MS = 500;

interface LogRef {
  folder: string;
  name: string;
  job: string;
}

export function logUri(ref: LogRef): vscode.Uri {
  // The path is the tab's title; the query says which file it is.
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${ref.name} #${jobNumber(ref.job)}`, query: JSON.stringify(ref) });
}

function refOf(uri: vscode.Uri): LogRef | undefined {
  try {
    const r = JSON.parse(uri.query) as LogRef;
    return typeof r.folder === 'string' && typeof r.name === 'string' && typeof r.job === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

export class LogDocuments implements vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly opened = new vscode.EventEmitter<LogRef>();
  /** A log was shown to the user (the status bar stops flagging a failure that was looked at). */
  readonly onDidOpenLog = this.opened.event;
  private readonly following = new Map<string, { timer: NodeJS.Timeout; size: number }>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly folders: Folders) {
    this.subscriptions.push(
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme === LOG_SCHEME) this.unfollow(d.uri);
      }),
      // Keeps a reader who was at the end at the end as lines arrive.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme !== LOG_SCHEME) return;
        for (const editor of vscode.window.visibleTextEditors) {
          if (editor.document !== e.document) continue;
          const last = editor.visibleRanges.at(-1)?.end.line ?? 0;
          const removedTail = e.contentChanges.reduce((min, c) => Math.min(min, c.range.start.line), Number.MAX_SAFE_INTEGER);
          if (last >= Math.min(removedTail, e.document.lineCount) - 2) {
            const end = new vscode.Position(e.document.lineCount - 1, 0);
            editor.revealRange(new vscode.Range(end, end), vscode.TextEditorRevealType.Default);
          }
        }
      }),
    );
  }

  private fileOf(ref: LogRef): { entry: FolderEntry; file: string } | undefined {
    const entry = this.folders.entryFor(ref.folder);
    if (!entry) return undefined;
    return { entry, file: entry.workspace.engine.paths.logFile(ref.name, ref.job) };
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = refOf(uri);
    const found = ref && this.fileOf(ref);
    if (!ref || !found) return `This log belongs to a folder that is not open in this window (${uri.query}).\n`;
    try {
      const text = await fs.promises.readFile(found.file, 'utf8');
      this.follow(uri, ref, found, Buffer.byteLength(text));
      return text;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return `The log of ${ref.name} job ${jobNumber(ref.job)} (${found.file}) does not exist: it was trimmed from the history (singer.logRetention), or the job wrote none.\n`;
    }
  }

  /** While the job runs, the document follows the file (throttled), then settles once it has ended. */
  private follow(uri: vscode.Uri, ref: LogRef, found: { entry: FolderEntry; file: string }, size: number): void {
    const key = uri.toString();
    const existing = this.following.get(key);
    if (existing) {
      existing.size = size;
      return;
    }
    const job = (): Promise<Job | undefined> => found.entry.workspace.engine.job(ref.name, ref.job);
    const state = {
      size,
      timer: setInterval(() => {
        void job()
          .then((j) => {
            const now = statSize(found.file);
            if (now !== state.size) this.changed.fire(uri);
            if (!j || (j.status !== 'Running' && j.status !== 'Stopping')) {
              // One more read after the end picks up the runner's last lines.
              if (now === state.size) this.unfollow(uri);
            }
          })
          .catch(() => this.unfollow(uri));
      }, FOLLOW_EVERY_MS),
    };
    this.following.set(key, state);
  }

  private unfollow(uri: vscode.Uri): void {
    const f = this.following.get(uri.toString());
    if (f) clearInterval(f.timer);
    this.following.delete(uri.toString());
  }

  /** `File "/path/tap.py", line 42` → that file at that line (relative paths from the workspace folder). */
  provideDocumentLinks(doc: vscode.TextDocument): vscode.DocumentLink[] {
    const ref = refOf(doc.uri);
    const base = ref && this.folders.entryFor(ref.folder)?.workspace.folder;
    const links: vscode.DocumentLink[] = [];
    const re = /File "([^"]+)", line (\d+)/g;
    for (let line = 0; line < doc.lineCount; line++) {
      const text = doc.lineAt(line).text;
      if (!text.includes('File "')) continue;
      for (const m of text.matchAll(re)) {
        const file = m[1]!;
        if (file.startsWith('<')) continue; // <frozen importlib._bootstrap>, <string>
        const abs = path.isAbsolute(file) ? file : path.resolve(base ?? '/', file);
        const target = vscode.Uri.file(abs).with({ fragment: `L${m[2]}` });
        const start = m.index! + 'File "'.length;
        const link = new vscode.DocumentLink(new vscode.Range(line, start, line, start + file.length), target);
        link.tooltip = `Open ${abs} at line ${m[2]}`;
        links.push(link);
      }
    }
    return links;
  }

  /** Opens a job's log (default: the newest job that has one). */
  async show(ref: { folder: string; name: string; job?: string }): Promise<vscode.TextEditor | undefined> {
    const entry = this.folders.entryFor(ref.folder) ?? this.folders.list().find((e) => e.folder.uri.fsPath === ref.folder);
    if (!entry) return undefined;
    let job = ref.job;
    if (job === undefined) {
      const jobs = await entry.workspace.engine.jobs(ref.name);
      job = jobs.find((j) => j.logFile !== null)?.id;
      if (job === undefined) {
        void ui.message('info', `${ref.name} has no extraction log yet: start an extraction first.`);
        return undefined;
      }
    }
    const full = { folder: entry.folder.uri.toString(), name: ref.name, job };
    let doc = await vscode.workspace.openTextDocument(logUri(full));
    if (doc.languageId !== LOG_LANGUAGE) doc = await vscode.languages.setTextDocumentLanguage(doc, LOG_LANGUAGE);
    const editor = await vscode.window.showTextDocument(doc, { preview: true });
    // A running job's log opens at its end, where the new lines arrive.
    const end = new vscode.Position(doc.lineCount - 1, 0);
    editor.revealRange(new vscode.Range(end, end), vscode.TextEditorRevealType.Default);
    this.opened.fire(full);
    return editor;
  }

  dispose(): void {
    for (const f of this.following.values()) clearInterval(f.timer);
    this.following.clear();
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
    this.opened.dispose();
  }
}

function statSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

export function registerLogDocuments(context: vscode.ExtensionContext, folders: Folders): LogDocuments {
  const logs = new LogDocuments(folders);
  context.subscriptions.push(
    logs,
    vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, logs),
    vscode.languages.registerDocumentLinkProvider({ scheme: LOG_SCHEME }, logs),
    vscode.commands.registerCommand(COMMANDS.showLog, async (arg?: unknown) => {
      if (isIntegrationArg(arg)) return logs.show(arg as { folder: string; name: string; job?: string });
      // From the palette: the integration, then the job (newest first, the newest preselected).
      const t = await resolveTarget(folders, undefined, {
        applies: (r) => r.lastJob !== null,
        placeHolder: 'Show the extraction log of…',
        none: 'No integration has an extraction log yet.',
      });
      if (!t) return undefined;
      const now = new Date();
      const jobs = await t.entry.workspace.engine.jobs(t.row.integration.name);
      const picked = await vscode.window.showQuickPick(
        jobs.filter((j) => j.logFile !== null).map((j) => ({ label: jobLabel(j), description: jobDescription(j, now), job: j.id })),
        { placeHolder: `Extraction logs of ${t.row.integration.name}, newest first` },
      );
      return picked && logs.show({ folder: t.entry.folder.uri.toString(), name: t.row.integration.name, job: picked.job });
    }),
  );
  return logs;
}
