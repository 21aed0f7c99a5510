import * as assert from 'node:assert/strict';
import { joinCommand, parseCommand, splitCommand } from '../../src/core/argv';
import { SingerError } from '../../src/core/errors';

describe('commands are split like POSIX words, never run by a shell (rule 17)', () => {
  const cases: Array<[string, string[]]> = [
    ['tap-github', ['tap-github']],
    ['python3  tap.py --flag', ['python3', 'tap.py', '--flag']],
    [`'a b' "c d" e\\ f`, ['a b', 'c d', 'e f']],
    [`"say \\"hi\\"" 'it''s'`, ['say "hi"', 'its']],
    [`"$HOME" '*.py'`, ['$HOME', '*.py']],
    [`"a;b" 'x|y' c\\;d`, ['a;b', 'x|y', 'c;d']],
    [`""`, ['']],
  ];
  for (const [input, argv] of cases) {
    it(`splits ${input}`, () => {
      const r = splitCommand(input);
      assert.deepEqual(r.argv, argv);
      assert.deepEqual(r.operators, []);
      assert.deepEqual(splitCommand(joinCommand(argv)).argv, argv);
    });
  }
  for (const bad of ['tap; touch x', 'tap && rm -rf /', 'tap | tee x', 'tap > out', 'tap `id`', 'tap &']) {
    it(`refuses the unquoted operator in: ${bad}`, () => {
      assert.throws(
        () => parseCommand(bad, 'tap'),
        (e: unknown) => e instanceof SingerError && e.exitCode === 2 && /without a shell/.test(e.message),
      );
    });
  }
  it('refuses unterminated quotes and empty commands', () => {
    assert.throws(() => parseCommand(`tap 'x`, 'tap'), /unterminated single quote/);
    assert.throws(() => parseCommand(`tap "x`, 'tap'), /unterminated double quote/);
    assert.throws(() => parseCommand('   ', 'tap'), /empty/);
  });
});
