/**
 * Secrets (DESIGN rule 16) in the editor: a config value `{"$secret": "NAME"}` is resolved from VS
 * Code's SecretStorage when a job starts. "Singer: Set Secret" and "Singer: Delete Secret" manage
 * them; SecretStorage cannot list its keys, so the names set here are remembered (names only).
 */
import * as vscode from 'vscode';
import { ui } from './ui';
import { COMMANDS } from './constants';
import { core } from './core';
import type { Folders } from './folders';

const KEY_PREFIX = 'singer.secret.';
const NAMES_KEY = 'singer.secretNames';
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function secretResolver(storage: vscode.SecretStorage): (name: string) => Promise<string | undefined> {
  return async (name) => storage.get(KEY_PREFIX + name);
}

export function registerSecrets(context: vscode.ExtensionContext, folders: Folders): void {
  const known = (): string[] => context.globalState.get<string[]>(NAMES_KEY) ?? [];
  const remember = (names: string[]): Thenable<void> => context.globalState.update(NAMES_KEY, [...new Set(names)].sort());

  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.setSecret, async (presetName?: unknown, presetValue?: unknown) => {
      let name = typeof presetName === 'string' ? presetName : undefined;
      if (name === undefined) {
        const referenced = await referencedSecrets(folders);
        name = await pickOrType(
          [...new Set([...referenced, ...known()])].map((n) => ({ label: n, description: known().includes(n) ? 'set' : referenced.has(n) ? 'referenced by a config, not set' : '' })),
          'The secret name a config refers to as {"$secret": "NAME"}',
        );
      }
      if (name === undefined) return false;
      if (!SECRET_NAME.test(name)) {
        void ui.message('error', `"${name}" is not a secret name: use letters, digits and "_", not starting with a digit.`);
        return false;
      }
      const value =
        typeof presetValue === 'string'
          ? presetValue
          : await vscode.window.showInputBox({
              title: `Set Secret ${name}`,
              prompt: `The value of ${name}: kept in VS Code's secret storage, never in the workspace, and replaced by *** in logs.`,
              password: true,
              ignoreFocusOut: true,
              validateInput: (v) => (v === '' ? 'Enter a value (Delete Secret removes one).' : undefined),
            });
      if (value === undefined) return false;
      await context.secrets.store(KEY_PREFIX + name, value);
      await remember([...known(), name]);
      void vscode.window.setStatusBarMessage(`Singer: secret ${name} set`, 5000);
      return true;
    }),
    vscode.commands.registerCommand(COMMANDS.deleteSecret, async (presetName?: unknown) => {
      const names = known();
      const name =
        typeof presetName === 'string'
          ? presetName
          : names.length === 0
            ? (void ui.message('info', 'No secret has been set with "Singer: Set Secret" yet.'), undefined)
            : (await vscode.window.showQuickPick(names, { placeHolder: 'Delete which secret?' }));
      if (name === undefined) return false;
      await context.secrets.delete(KEY_PREFIX + name);
      await remember(names.filter((n) => n !== name));
      void vscode.window.setStatusBarMessage(`Singer: secret ${name} deleted`, 5000);
      return true;
    }),
  );
}

/** Names the integrations' configs refer to, so Set Secret can offer the ones still missing. */
async function referencedSecrets(folders: Folders): Promise<Set<string>> {
  const names = new Set<string>();
  const { secretNamesIn, configFilesOf } = core();
  for (const f of await folders.rows()) {
    for (const r of f.rows) {
      for (const { file } of configFilesOf(r.integration)) {
        try {
          const text = await vscode.workspace.fs.readFile(vscode.Uri.file(f.entry.workspace.engine.paths.resolve(file)));
          secretNamesIn(JSON.parse(new TextDecoder().decode(text)), names);
        } catch {
          // A missing or broken config is reported when a job starts; here it only offers no names.
        }
      }
    }
  }
  return names;
}

/** A quick pick of known names that also takes a new one typed into it. */
function pickOrType(items: vscode.QuickPickItem[], placeholder: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick();
    qp.title = 'Set Secret';
    qp.placeholder = placeholder;
    qp.items = items;
    const typed = (): void => {
      const v = qp.value.trim();
      qp.items = v && !items.some((i) => i.label === v) ? [{ label: v, description: 'new secret' }, ...items] : items;
    };
    qp.onDidChangeValue(typed);
    let done = false;
    qp.onDidAccept(() => {
      done = true;
      resolve(qp.selectedItems[0]?.label ?? (qp.value.trim() || undefined));
      qp.hide();
    });
    qp.onDidHide(() => {
      if (!done) resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}
