import type * as vscode from 'vscode';
import { registerCommands } from './vscode/commands';
import { registerIntegrationsTree } from './vscode/integrationsTree';
import { registerStatusBar } from './vscode/statusBar';

// Composition root: wires each surface up; every module pushes its own disposables.
export function activate(context: vscode.ExtensionContext): void {
  const tree = registerIntegrationsTree(context);
  registerCommands(context, tree);
  registerStatusBar(context);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
