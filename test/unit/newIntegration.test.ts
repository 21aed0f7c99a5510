/** One validation for `add` and Create Integration: field by field, with the front's own labels. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CLI_LABELS, commandFrom, fileRefFrom, nameProblem, newIntegration, scheduleFrom, type FieldLabels } from '../../src/core/newIntegration';
import { workspacePaths } from '../../src/core/paths';
import { tempWorkspace } from './helpers/workspace';

const FORM: FieldLabels = { ...CLI_LABELS, tapConfig: 'Tap config file', frequency: 'Replication Frequency' };

describe('new integration checks', () => {
  it('names: invalid and taken ones are refused with a sentence', () => {
    assert.equal(nameProblem('github'), null);
    assert.match(nameProblem('-x')!, /not a valid integration name/);
    assert.match(nameProblem('a b')!, /not a valid integration name/);
    assert.match(nameProblem('github', ['github'])!, /already exists/);
  });

  it('commands are split as a shell splits words, and shell operators refused', () => {
    assert.deepEqual(commandFrom(`python3 "my tap.py" --x 'a b'`, 'tap'), ['python3', 'my tap.py', '--x', 'a b']);
    assert.throws(() => commandFrom('tap-x | jq', 'tap'), /commands run without a shell/);
    assert.throws(() => commandFrom('', 'target'), /command is empty/);
  });

  it('files are kept by path, relative to the workspace, and must be JSON; errors name the field as the front does', () => {
    const t = tempWorkspace();
    const paths = workspacePaths(t.dir);
    t.writeJson('conf/tap.json', { a: 1 });
    assert.equal(fileRefFrom(paths, 'conf/tap.json', FORM.tapConfig), 'conf/tap.json');
    assert.equal(fileRefFrom(paths, t.file('conf/tap.json'), FORM.tapConfig), 'conf/tap.json');
    assert.equal(fileRefFrom(paths, '', FORM.tapConfig), null);
    assert.throws(() => fileRefFrom(paths, 'nope.json', FORM.tapConfig), /^SingerError: Tap config file nope.json: the file does not exist/);
    fs.writeFileSync(t.file('bad.json'), '{');
    assert.throws(() => fileRefFrom(paths, 'bad.json', '--tap-config'), /--tap-config bad.json is not valid JSON/);
  });

  it('schedules: a duration, default, or a cron with a time zone (stored canonical)', () => {
    assert.deepEqual(scheduleFrom({ frequency: '90s' }), { kind: 'interval', everyMs: 90_000 });
    assert.deepEqual(scheduleFrom({}), { kind: 'default' });
    assert.deepEqual(scheduleFrom({ cron: '0  6 * * *', timezone: 'Europe/Berlin' }), { kind: 'cron', expression: '0 6 * * *', timezone: 'Europe/Berlin' });
    assert.throws(() => scheduleFrom({ frequency: 'soon' }, FORM), /Replication Frequency soon is not a duration/);
    assert.throws(() => scheduleFrom({ cron: '0 6 * *' }), /has 4 fields/);
  });

  it('a program that is not installed is a warning, not a refusal', () => {
    const t = tempWorkspace();
    const r = newIntegration(workspacePaths(t.dir), { name: 'x', tap: 'tap-not-installed-anywhere', target: 'python3' });
    assert.deepEqual(r.integration.tap, ['tap-not-installed-anywhere']);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /the tap program tap-not-installed-anywhere was not found/);
  });
});
