/**
 * Integration Settings (DESIGN §6): one webview panel per integration, titled `Settings: NAME`, opened
 * by singer.openSettings from the palette (quick pick), the tree's context menu or its inline gear.
 * The page (src/webview/settings.ts) edits a form; this host checks it with the engine's own code,
 * saves it through Engine.updateIntegration (so the scheduler re-plans at once and the tree follows)
 * and tells the page every change of the integration. Messages are checked against the one protocol
 * (src/webview/protocol.ts) both ways; the host posts nothing before the page says it is ready.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { Snapshot, ToPage } from '../webview/protocol';
import { COMMANDS } from './constants';
import { core } from './core';
import type { FolderEntry, Folders } from './folders';
import type { Log } from './output';
import { resolveTarget } from './pick';
import { SettingsSession } from './settingsSession';

export const SETTINGS_VIEW_TYPE = 'singer.integrationSettings';

/** What the page keeps with setState that the host reads back when VS Code restores the panel. */
interface RestoredState {
  folder: string;
  name: string;
}

export class SettingsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, SettingsPanel>();
  /** The file dialog behind Browse…; the extension-host tests replace it, as they cannot click a dialog. */
  pickFile: (options: vscode.OpenDialogOptions) => Thenable<vscode.Uri[] | undefined> = (o) => vscode.window.showOpenDialog(o);

  constructor(
    private readonly extensionUri: vscode.Uri,
    readonly folders: Folders,
    readonly log: Log,
  ) {}

  /** The open panel of an integration, if any (the tests' way in). */
  get(folder: string, name: string): SettingsPanel | undefined {
    return this.panels.get(key(folder, name));
  }

  /** Reveals the integration's panel, or opens one. */
  show(entry: FolderEntry, name: string): SettingsPanel {
    const folder = entry.folder.uri.toString();
    const open = this.get(folder, name);
    if (open) {
      open.panel.reveal();
      return open;
    }
    const panel = vscode.window.createWebviewPanel(SETTINGS_VIEW_TYPE, title(name), vscode.ViewColumn.Active, { enableFindWidget: true });
    return this.adopt(panel, folder, name);
  }

  /** A panel VS Code restored after a reload, with the page's own state (its unsaved edits) inside. */
  async revive(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const s = state as Partial<RestoredState> | undefined;
    if (typeof s?.folder !== 'string' || typeof s.name !== 'string') {
      panel.dispose();
      return;
    }
    this.folders.start();
    const open = this.get(s.folder, s.name);
    if (open) {
      // Two restored tabs of one integration: keep the first.
      panel.dispose();
      return;
    }
    this.adopt(panel, s.folder, s.name);
  }

  private adopt(panel: vscode.WebviewPanel, folder: string, name: string): SettingsPanel {
    const k = key(folder, name);
    const p = new SettingsPanel(panel, folder, name, this.extensionUri, this, () => this.panels.delete(k));
    this.panels.set(k, p);
    return p;
  }

  closeAll(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
    this.panels.clear();
  }

  dispose(): void {
    this.closeAll();
  }
}

export function registerSettingsPanel(context: vscode.ExtensionContext, folders: Folders, log: Log): SettingsPanels {
  const panels = new SettingsPanels(context.extensionUri, folders, log);
  context.subscriptions.push(
    panels,
    vscode.commands.registerCommand(COMMANDS.openSettings, async (arg?: unknown) => {
      const t = await resolveTarget(folders, arg, {
        applies: () => true,
        placeHolder: 'Open the settings of…',
        none: 'There is no integration yet: create one with Singer: Create Integration.',
      });
      if (!t) return undefined;
      const p = panels.show(t.entry, t.row.integration.name);
      return { folder: p.folder, name: p.name };
    }),
    vscode.window.registerWebviewPanelSerializer(SETTINGS_VIEW_TYPE, { deserializeWebviewPanel: (panel, state) => panels.revive(panel, state) }),
  );
  return panels;
}

/** One integration's panel: the webview, and what it has posted (for the tests). */
export class SettingsPanel {
  /** Every message posted to the page, oldest first (bounded): the tests read what the page was told. */
  readonly posted: ToPage[] = [];
  /** Messages from the page that did not validate, as logged. */
  readonly dropped: string[] = [];
  private readonly session: SettingsSession;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly folder: string,
    readonly name: string,
    extensionUri: vscode.Uri,
    private readonly owner: SettingsPanels,
    onDispose: () => void,
  ) {
    const roots = [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
    panel.webview.options = { enableScripts: true, localResourceRoots: roots };
    panel.title = title(name);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'singer.svg');
    panel.webview.html = pageHtml(panel.webview, extensionUri, name);
    this.session = new SettingsSession(this, owner);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      // A hidden webview is torn down (its edits are in its state); it says ready again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      owner.folders.onDidChange((e) => {
        if (!e || e.folder.uri.toString() === folder) this.session.changed();
      }),
      owner.folders.onDidProgress((p) => {
        if (p.entry.folder.uri.toString() === folder && p.job.integration === name) this.session.progressed();
      }),
    );
    panel.onDidDispose(() => {
      this.ready = false;
      this.disposed = true;
      for (const d of this.disposables) d.dispose();
      this.session.dispose();
      onDispose();
    });
  }

  /** True once the page has said it is ready (and is not hidden since). */
  get isReady(): boolean {
    return this.ready;
  }

  entry(): FolderEntry | undefined {
    return this.owner.folders.entryFor(this.folder);
  }

  /**
   * A message from the page: validated against the protocol, then handled. The tests call it to act
   * as the page would; it resolves once the host has answered.
   */
  async receive(raw: unknown): Promise<void> {
    const parsed = core().parseToHost(raw);
    if (!parsed.ok) {
      this.dropped.push(parsed.error);
      this.owner.log.warn(`Settings: ${this.name}: ${parsed.error}`);
      return;
    }
    const m = parsed.message;
    if (this.disposed) return;
    if (m.type === 'ready') {
      this.ready = true;
      await this.session.sendSnapshot(true);
      return;
    }
    if (!this.ready) {
      this.owner.log.warn(`Settings: ${this.name}: a "${m.type}" message before "ready" was dropped`);
      return;
    }
    try {
      await this.session.handle(m);
    } catch (err) {
      const text = `${this.name}: ${errorMessage(err)}`;
      this.owner.log.error(`Settings: ${text}`);
      this.post({ type: 'notice', level: 'error', text });
    }
  }

  /** Posts to the page once it is ready; anything earlier is not sent (the page asks again when ready). */
  post(message: ToPage): boolean {
    if (!this.ready || this.disposed) return false;
    this.posted.push(message);
    if (this.posted.length > 200) this.posted.shift();
    void this.panel.webview.postMessage(message);
    return true;
  }

  /** The last snapshot posted, for the tests. */
  lastSnapshot(): Snapshot | undefined {
    for (let i = this.posted.length - 1; i >= 0; i--) {
      const m = this.posted[i]!;
      if (m.type === 'snapshot') return m.snapshot;
    }
    return undefined;
  }
}

function key(folder: string, name: string): string {
  return `${folder}\n${name}`;
}

function title(name: string): string {
  return `Settings: ${name}`;
}

/** The page: a strict CSP (scripts by nonce only, styles and fonts from the extension), the bundle, nothing inline. */
function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, name: string): string {
  const nonce = randomBytes(18).toString('base64');
  const asset = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const shown = escapeHtml(name);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('settings.css')}">
<title>Settings: ${shown}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading the settings of ${shown}…</p></main>
<script nonce="${nonce}" src="${asset('settings.js')}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
