import * as vscode from 'vscode';
import { STATUS_BAR_ID, VIEWS } from './constants';

// The always-visible sync state. Until the engine reports jobs it only names the extension and
// opens the Integrations view when clicked.
export function registerStatusBar(context: vscode.ExtensionContext): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left);
  item.name = 'Singer Sync State';
  item.text = '$(sync) Singer';
  item.tooltip = 'Singer Replication: show integrations';
  // VS Code generates a `<view id>.focus` command for every contributed view.
  item.command = `${VIEWS.integrations}.focus`;
  item.show();
  context.subscriptions.push(item);
  return item;
}
