import * as vscode from 'vscode';
import { COMMANDS } from './constants';
import type { IntegrationsTreeProvider } from './integrationsTree';

export function registerCommands(context: vscode.ExtensionContext, tree: IntegrationsTreeProvider): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.refresh, () => tree.refresh()),
    // Placeholder until the settings page exists; the CLI can already point the user somewhere useful.
    // Not awaited: the command completes at once instead of waiting for the message to be dismissed.
    vscode.commands.registerCommand(COMMANDS.createIntegration, () => {
      void vscode.window.showInformationMessage(
        'Create Integration: coming soon — use `singer-replication add` on the command line',
      );
    }),
  );
}
