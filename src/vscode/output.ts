/**
 * The "Singer Replication" output channel: the extension's own diagnostics (scheduler decisions,
 * errors no notification shows) and the reports of longer commands such as the Meltano import.
 * A LogOutputChannel, so the user picks the level and lines carry VS Code's own timestamps.
 */
import * as vscode from 'vscode';
import { OUTPUT_CHANNEL } from './constants';

export interface Log {
  debug(text: string): void;
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  /** A titled block of lines (a report), shown to the user. */
  report(title: string, lines: readonly string[]): void;
  show(): void;
}

export function createLog(context: vscode.ExtensionContext): Log {
  const channel = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
  context.subscriptions.push(channel);
  return {
    debug: (t) => channel.debug(t),
    info: (t) => channel.info(t),
    warn: (t) => channel.warn(t),
    error: (t) => channel.error(t),
    report: (title, lines) => {
      channel.info(title);
      for (const l of lines) channel.info(`  ${l}`);
      channel.show(true);
    },
    show: () => channel.show(true),
  };
}
