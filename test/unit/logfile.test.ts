import * as assert from 'node:assert/strict';
import { classifyStderr, Redactor } from '../../src/core/logfile';

describe('log lines keep the level the tap wrote (DESIGN §5)', () => {
  const cases: Array<[string, string, string]> = [
    ['INFO starting', 'INFO', 'starting'],
    ['WARN careful', 'WARNING', 'careful'],
    ['WARNING careful', 'WARNING', 'careful'],
    ['ERROR: boom', 'ERROR', 'boom'],
    ['FATAL dead', 'CRITICAL', 'dead'],
    ['CRITICAL dead', 'CRITICAL', 'dead'],
    ['DEBUG x=1', 'DEBUG', 'x=1'],
    ['2026-11-23 08:30:55,123 | WARNING  | tap-x | slow api', 'WARNING', '2026-11-23 08:30:55,123 | tap-x | slow api'],
    ['Traceback (most recent call last):', 'INFO', 'Traceback (most recent call last):'],
    ['INFORMATION is not a level', 'INFO', 'INFORMATION is not a level'],
  ];
  for (const [line, level, text] of cases) {
    it(`${line} → ${level}`, () => assert.deepEqual(classifyStderr(line), { level, text }));
  }
  it('redacts every secret, longest first', () => {
    const r = new Redactor(['hunter2', 'hunter2-long', '']);
    assert.equal(r.redact('pw=hunter2-long and hunter2'), 'pw=*** and ***');
  });
});
