import * as vscode from 'vscode';
import { registerCreateIntegration } from './vscode/createIntegration';
import { Folders } from './vscode/folders';
import { registerIntegrationsTree, type IntegrationsTreeProvider, type TreeNode } from './vscode/integrationsTree';
import { registerLogDocuments, type LogDocuments } from './vscode/logDocuments';
import { registerMeltano } from './vscode/meltano';
import { registerNotifications, type Notifications } from './vscode/notifications';
import { createLog } from './vscode/output';
import { currentStep } from './vscode/quickSteps';
import { registerRunCommands } from './vscode/runCommands';
import { registerSecrets, secretResolver } from './vscode/secrets';
import { registerSettingsPanel, type SettingsPanels } from './vscode/settingsPanel';
import { registerStatusBar, type SyncStatusBar } from './vscode/statusBar';
import { registerTerminalCli } from './vscode/terminalCli';
import { ui, type Ui } from './vscode/ui';

/** What the extension-host tests look at and drive. */
export interface SingerApi {
  folders: Folders;
  integrationsTree: IntegrationsTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  statusBar: SyncStatusBar;
  logs: LogDocuments;
  notifications: Notifications;
  /** The Integration Settings panels; tests feed them page messages and read what they posted. */
  settings: SettingsPanels;
  /** Modal confirmations; tests replace `confirm`, since a test cannot click a modal. */
  ui: Ui;
  /** The step of a multi-step quick input shown now. */
  currentStep: typeof currentStep;
  cliLauncher: string | undefined;
}

let folders: Folders | undefined;

// Composition root: each surface registers its own commands and disposables. The engine itself is
// loaded after activation has returned (src/vscode/core.ts), so opening VS Code never waits for it.
export function activate(context: vscode.ExtensionContext): SingerApi {
  const log = createLog(context);
  folders = new Folders(secretResolver(context.secrets), log, context.extensionPath);
  context.subscriptions.push(folders);
  const { provider, view } = registerIntegrationsTree(context, folders);
  const statusBar = registerStatusBar(context, folders);
  const logs = registerLogDocuments(context, folders);
  context.subscriptions.push(logs.onDidOpenLog((r) => statusBar.markSeen(r.folder, r.name, r.job)));
  registerRunCommands(context, folders);
  registerCreateIntegration(context, folders);
  registerSecrets(context, folders);
  registerMeltano(context, folders, log);
  const notifications = registerNotifications(context, folders);
  const settings = registerSettingsPanel(context, folders, log);
  const cliLauncher = registerTerminalCli(context);
  const started = folders;
  setTimeout(() => started.start(), 0);
  return { folders, integrationsTree: provider, treeView: view, statusBar, logs, notifications, settings, ui, currentStep, cliLauncher };
}

/** VS Code gives this a few seconds: running taps are stopped at once, the targets load what they got. */
export async function deactivate(): Promise<void> {
  await folders?.shutdown();
}
