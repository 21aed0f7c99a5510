/**
 * Commands given as strings are split into argv the way a POSIX shell splits words (single and
 * double quotes, backslash) and nothing more (DESIGN §5): no variables, globs, pipes or redirections.
 * Nothing is ever run through a shell, so an unquoted operator is refused rather than passed on as
 * a literal word the user did not mean.
 */
import { usageError } from './errors';

const OPERATOR_CHARS = new Set(['|', '&', ';', '<', '>', '(', ')', '`']);

export interface SplitResult {
  argv: string[];
  /** Unquoted shell operators found, e.g. `;`, `&&`, `|`, `>`. */
  operators: string[];
}

export function splitCommand(command: string): SplitResult {
  const argv: string[] = [];
  const operators: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const n = command.length;
  while (i < n) {
    const c = command[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw usageError(`unterminated single quote in command: ${command}. Close the quote.`);
      word += command.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= n) throw usageError(`unterminated double quote in command: ${command}. Close the quote.`);
        const d = command[i]!;
        if (d === '"') break;
        // Inside double quotes a backslash only escapes these, as in POSIX sh.
        if (d === '\\' && i + 1 < n && '"\\$`\n'.includes(command[i + 1]!)) {
          if (command[i + 1] !== '\n') word += command[i + 1];
          i += 2;
          continue;
        }
        word += d;
        i++;
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 < n) {
        if (command[i + 1] !== '\n') word += command[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (OPERATOR_CHARS.has(c)) {
      let op = c;
      while (i + op.length < n && OPERATOR_CHARS.has(command[i + op.length]!) && op.length < 2) op += command[i + op.length];
      operators.push(op);
      word += op;
      inWord = true;
      i += op.length;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) argv.push(word);
  return { argv, operators };
}

/** Splits a command for storage, refusing shell syntax with a sentence that says why (exit 2). */
export function parseCommand(command: string, what: string): string[] {
  const { argv, operators } = splitCommand(command);
  if (argv.length === 0) throw usageError(`the ${what} command is empty. Give the program to run, e.g. --${what} "tap-github".`);
  if (operators.length > 0) {
    throw usageError(
      `the ${what} command contains the shell operator "${operators[0]}", but commands run without a shell. ` +
        `Give one program and its arguments, quote the character if it is part of an argument, or put the pipeline in a script.`,
    );
  }
  return argv;
}

/** Quotes argv back into one string that splitCommand turns into the same argv. */
export function joinCommand(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
