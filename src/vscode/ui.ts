/**
 * The prompts and messages of the run commands, behind one object: a modal confirmation cannot be
 * clicked by a test, so the extension-host tests answer `confirm`; messages still go to VS Code's
 * own notifications and are also kept in `shown`, so a test can read what the user was told.
 */
import * as vscode from 'vscode';

export type Level = 'info' | 'warning' | 'error';

export interface Ui {
  /** A modal warning; true when the user chose the `confirm` button. */
  confirm(message: string, detail: string, confirm: string): Promise<boolean>;
  /** A notification with buttons; resolves with the button chosen. */
  message(level: Level, text: string, ...buttons: string[]): Thenable<string | undefined>;
  /** Every message shown, oldest first (bounded). */
  readonly shown: Array<{ level: Level; text: string }>;
}

const KEEP = 100;

export const ui: Ui = {
  async confirm(message, detail, confirm) {
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, confirm)) === confirm;
  },
  message(level, text, ...buttons) {
    this.shown.push({ level, text });
    if (this.shown.length > KEEP) this.shown.shift();
    if (level === 'error') return vscode.window.showErrorMessage(text, ...buttons);
    if (level === 'warning') return vscode.window.showWarningMessage(text, ...buttons);
    return vscode.window.showInformationMessage(text, ...buttons);
  },
  shown: [],
};
