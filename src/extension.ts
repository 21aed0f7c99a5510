import type * as vscode from 'vscode';
import { registerCommands } from './vscode/commands';
import { registerMeltano } from './vscode/meltano';
import { registerIntegrationsTree, type IntegrationsTreeProvider } from './vscode/integrationsTree';
import { registerStatusBar } from './vscode/statusBar';

/** What the extension-host tests look at. */
export interface SingerApi {
  integrationsTree: IntegrationsTreeProvider;
}

// Composition root: wires each surface up; every module pushes its own disposables.
export function activate(context: vscode.ExtensionContext): SingerApi {
  const tree = registerIntegrationsTree(context);
  registerCommands(context, tree);
  registerStatusBar(context);
  registerMeltano(context);
  return { integrationsTree: tree };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
