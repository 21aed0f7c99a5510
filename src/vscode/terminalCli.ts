/**
 * `singer-replication` in VS Code's integrated terminals: a small launcher in the extension's storage
 * runs the bundled dist/cli.js with VS Code's own runtime (process.execPath with
 * ELECTRON_RUN_AS_NODE=1), so no separate Node is needed, and the terminals get its folder first on
 * PATH. The CLI reads the same database and settings, so `singer-replication list` shows what the
 * tree shows. Like dist/cli.js, it sets NODE_EXTRA_CA_CERTS aside for the command's own start
 * (src/cli/extraCaCerts.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SET_EXTRA_CA_CERTS_ASIDE } from '../cli/extraCaCerts';

export const CLI_NAME = 'singer-replication';

export function launcherScript(runtime: string, cliJs: string): string {
  const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
  return [
    '#!/bin/sh',
    "# Made by the Singer Replication extension: runs its command line with VS Code's runtime.",
    SET_EXTRA_CA_CERTS_ASIDE,
    `ELECTRON_RUN_AS_NODE=1 exec ${q(runtime)} ${q(cliJs)} "$@"`,
    '',
  ].join('\n');
}

export function registerTerminalCli(context: vscode.ExtensionContext): string | undefined {
  if (process.platform === 'win32') return undefined; // the launcher is a POSIX sh script
  const cliJs = path.join(context.extensionPath, 'dist', 'cli.js');
  if (!fs.existsSync(cliJs)) return undefined;
  const bin = path.join(context.globalStorageUri.fsPath, 'bin');
  const launcher = path.join(bin, CLI_NAME);
  const text = launcherScript(process.execPath, cliJs);
  try {
    fs.mkdirSync(bin, { recursive: true });
    // Rewritten when the extension or VS Code moved (an update changes both paths).
    if (!fs.existsSync(launcher) || fs.readFileSync(launcher, 'utf8') !== text) fs.writeFileSync(launcher, text, { mode: 0o755 });
  } catch {
    return undefined; // a read-only home: the CLI is still `node dist/cli.js`
  }
  const env = context.environmentVariableCollection;
  env.description = 'Puts the `singer-replication` command line on the PATH of the integrated terminal.';
  env.prepend('PATH', `${bin}${path.delimiter}`);
  return launcher;
}
