import * as vscode from 'vscode';
import { VIEWS } from './constants';

// The Integrations view. For now it has no children, so VS Code shows the contributed welcome
// content ("Create Integration"); the engine will feed it integrations later.
export class IntegrationsTreeProvider implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.TreeItem | undefined>();
  readonly onDidChangeTreeData: vscode.Event<vscode.TreeItem | undefined> = this.changed.event;

  getTreeItem(element: vscode.TreeItem): vscode.TreeItem {
    return element;
  }

  getChildren(): vscode.TreeItem[] {
    return [];
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerIntegrationsTree(context: vscode.ExtensionContext): IntegrationsTreeProvider {
  const provider = new IntegrationsTreeProvider();
  const view = vscode.window.createTreeView(VIEWS.integrations, { treeDataProvider: provider, showCollapseAll: false });
  context.subscriptions.push(provider, view);
  return provider;
}
