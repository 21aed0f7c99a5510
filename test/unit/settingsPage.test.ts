/** The Integration Settings page's logic in plain Node: slider, form ↔ patch, protocol, next start times (issue 14). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { FREQUENCY_STEPS_MS } from '../../src/core/duration';
import { Engine } from '../../src/core/engine';
import { newestFirst, newJob } from '../../src/core/jobs';
import { emptyDatabase, IntegrationSchema, type Database, type Integration, type Job } from '../../src/core/model';
import { workspacePaths } from '../../src/core/paths';
import { integrationRow } from '../../src/core/rows';
import { recentOf } from '../../src/core/store';
import { applySettingsPatch, checkSettingsForm, settingsView, upcomingRuns } from '../../src/core/settingsCheck';
import { changedFields, describeChanges, formOf, frequencyText, sameForm, sliderPosition, stepDuration, stepIndexOf, type SettingsForm } from '../../src/core/settingsForm';
import { parseToHost, parseToPage } from '../../src/webview/protocol';
import { tempWorkspace } from './helpers/workspace';

const MIN = 60_000;
const HOUR = 60 * MIN;

function integration(over: Partial<Integration> = {}): Integration {
  return IntegrationSchema.parse({ name: 'demo', tap: ['python3', 'tap_demo.py'], target: ['target-jsonl'], createdAt: '2026-01-01T00:00:00.000Z', ...over });
}

describe('settings page: the Replication Frequency slider', () => {
  it('maps each of rule 1\'s steps to its position and back, with the words beside it', () => {
    assert.equal(FREQUENCY_STEPS_MS.length, 11);
    FREQUENCY_STEPS_MS.forEach((ms, i) => {
      assert.equal(stepIndexOf(ms), i);
      assert.equal(sliderPosition(ms), i);
      assert.equal(stepDuration(i), ms);
    });
    assert.equal(stepDuration(-3), 1 * MIN, 'below the first step');
    assert.equal(stepDuration(99), 24 * HOUR, 'past the last step');
    assert.equal(frequencyText(30 * MIN), 'Every 30 minutes');
    assert.equal(frequencyText(6 * HOUR), 'Every 6 hours');
    assert.equal(frequencyText(HOUR), 'Every 1 hour');
  });

  it('shows a duration that is not a step (90s from the CLI) as it is, near its step, and keeps it unless the slider moves', () => {
    assert.equal(stepIndexOf(90_000), -1);
    assert.equal(sliderPosition(90_000), 0, 'the thumb sits on the nearest step');
    assert.equal(sliderPosition(50 * MIN), 5, '50 minutes is nearest to 1 hour');
    assert.equal(frequencyText(90_000), 'Every 90 seconds');

    const t = tempWorkspace();
    const paths = workspacePaths(t.dir);
    const base = formOf(integration({ schedule: { kind: 'interval', everyMs: 90_000 } }), HOUR);
    assert.equal(base.mode, 'interval');
    assert.equal(base.everyMs, 90_000);
    const untouched = checkSettingsForm(paths, base, { ...base, tap: 'python3 tap_demo.py --verbose' }, '');
    assert.deepEqual(untouched.patch, { tap: ['python3', 'tap_demo.py', '--verbose'] }, 'the 90s schedule is not rewritten');
    const moved = checkSettingsForm(paths, base, { ...base, everyMs: stepDuration(3) }, '');
    assert.deepEqual(moved.patch, { schedule: { kind: 'interval', everyMs: 15 * MIN } });
  });
});

describe('settings page: form and patch', () => {
  it('loads an integration as the form: commands quoted as the CLI splits them, empty paths, the slider at the default', () => {
    const f = formOf(integration({ tap: ['python3', 'my tap.py'], env: { A: '1' }, catalog: 'cat.json' }), 30 * MIN);
    assert.equal(f.tap, "python3 'my tap.py'");
    assert.equal(f.tapConfig, '');
    assert.equal(f.catalog, 'cat.json');
    assert.deepEqual(f.env, [{ key: 'A', value: '1' }]);
    assert.equal(f.mode, 'default');
    assert.equal(f.everyMs, 30 * MIN);
    const c = formOf(integration({ schedule: { kind: 'cron', expression: '0 6 * * *', timezone: 'Europe/Berlin' } }), HOUR);
    assert.deepEqual([c.mode, c.cron, c.timezone], ['cron', '0 6 * * *', 'Europe/Berlin']);
  });

  it('compares forms by what the chosen mode uses, and names the changes as the page does', () => {
    const a = formOf(integration(), HOUR);
    assert.ok(sameForm(a, { ...a, everyMs: 5 * MIN }), 'the disabled slider of a default schedule is not a change');
    assert.ok(sameForm(a, { ...a, cron: '0 6 * * *' }), 'a cron text while the slider rules is not a change');
    assert.deepEqual(changedFields(a, { ...a, mode: 'interval', tap: 'tap-x' }), ['tap', 'mode']);
    assert.equal(describeChanges(['mode', 'everyMs', 'tap']), 'Replication Frequency, Tap command');
  });

  it('turns every field into the patch to save: only what changed, paths relative to the workspace, argv split as the CLI splits', () => {
    const t = tempWorkspace();
    t.writeJson('conf/tap.json', { a: 1 });
    t.writeJson('catalog.json', { streams: [] });
    const paths = workspacePaths(t.dir);
    const base = formOf(integration(), HOUR);
    const form: SettingsForm = {
      ...base,
      tap: `python3 "my tap.py" --x 'a b'`,
      tapConfig: t.file('conf/tap.json'),
      catalog: './catalog.json',
      env: [{ key: 'LOG_LEVEL', value: 'debug' }, { key: '', value: '' }, { key: 'EMPTY', value: '' }],
      mode: 'cron',
      cron: '0  6 * * 1-5',
      timezone: 'europe/berlin',
    };
    const c = checkSettingsForm(paths, base, form, '');
    assert.deepEqual(c.errors, {});
    assert.deepEqual(c.argv.tap, ['python3', 'my tap.py', '--x', 'a b']);
    assert.deepEqual(c.patch, {
      tap: ['python3', 'my tap.py', '--x', 'a b'],
      tapConfig: 'conf/tap.json',
      catalog: 'catalog.json',
      env: { LOG_LEVEL: 'debug', EMPTY: '' },
      schedule: { kind: 'cron', expression: '0 6 * * 1-5', timezone: 'Europe/Berlin' },
    });
    assert.match(c.warnings.tap ?? '', /the tap program python3 was not found/, 'an empty PATH: warned, not refused');
    assert.deepEqual(checkSettingsForm(paths, base, { ...base, target: ' target-jsonl ' }, '').patch, {}, 'the same argv is no change');
    assert.deepEqual(checkSettingsForm(paths, base, { ...base, mode: 'interval', everyMs: 6 * HOUR }, '').patch, { schedule: { kind: 'interval', everyMs: 6 * HOUR } });
    assert.deepEqual(checkSettingsForm(paths, formOf(integration({ schedule: { kind: 'interval', everyMs: HOUR } }), HOUR), base, '').patch, { schedule: { kind: 'default' } });
  });

  it('puts each error beside its field, in the words `add` uses, and saves nothing while one remains', () => {
    const t = tempWorkspace();
    fs.writeFileSync(t.file('bad.json'), '{');
    const paths = workspacePaths(t.dir);
    const base = formOf(integration(), HOUR);
    const c = checkSettingsForm(
      paths,
      base,
      {
        ...base,
        tap: 'tap-x | jq',
        target: '',
        tapConfig: 'missing.json',
        targetConfig: 'bad.json',
        env: [{ key: 'A', value: '1' }, { key: 'A', value: '2' }, { key: '', value: 'x' }, { key: 'B=C', value: '' }],
        mode: 'cron',
        cron: '0 6 * *',
      },
      '',
    );
    assert.equal(c.patch, null);
    assert.match(c.errors.tap!, /contains the shell operator "\|", but commands run without a shell/);
    assert.match(c.errors.target!, /the target command is empty/);
    assert.match(c.errors.tapConfig!, /^Tap config file missing.json: the file does not exist/);
    assert.match(c.errors.targetConfig!, /^Target config file bad.json is not valid JSON/);
    assert.match(c.errors['env.1']!, /A is set twice \(rows 1 and 2\)/);
    assert.match(c.errors['env.2']!, /has a value but no name/);
    assert.match(c.errors['env.3']!, /cannot contain "="/);
    assert.match(c.errors.cron!, /has 4 fields/);
    assert.equal(c.schedule, null);

    const tz = checkSettingsForm(paths, base, { ...base, mode: 'cron', cron: '0 6 * * *', timezone: 'Berlin' }, '');
    assert.equal(tz.errors.cron, undefined);
    assert.match(tz.errors.timezone!, /unknown time zone "Berlin"; did you mean "Europe\/Berlin"\?/);
  });

  it('a checked patch saved through the engine: the database holds it and the schedule counts as changed (the scheduler re-plans)', async () => {
    const t = tempWorkspace();
    t.writeJson('conf/target.json', {});
    const engine = new Engine({ workspace: t.dir });
    await engine.add({ name: 'demo', tap: ['tap-x'], target: ['target-y'], tapConfig: null, targetConfig: null, catalog: null, env: {}, schedule: { kind: 'default' }, paused: true });
    const before = await engine.integration('demo');
    const base = formOf(before, HOUR);
    const c = checkSettingsForm(engine.paths, base, { ...base, targetConfig: 'conf/target.json', mode: 'interval', everyMs: 6 * HOUR }, '');
    const saved = await engine.updateIntegration('demo', (it) => applySettingsPatch(it, c.patch!));
    assert.equal(saved.targetConfig, 'conf/target.json');
    assert.deepEqual(saved.schedule, { kind: 'interval', everyMs: 6 * HOUR });
    assert.ok(saved.scheduleChangedAt, 'scheduleChangedAt is set, so the planner treats the grid as new');
    assert.deepEqual(saved.tap, ['tap-x'], 'fields not in the patch stay');
    engine.dispose();
  });
});

describe('settings page: the next five start times, with the scheduler\'s own planner', () => {
  const ctx = (now: string) => ({ now: new Date(now), defaultFrequencyMs: HOUR, catchUp: 'once' as const });
  function dbWith(it: Integration, lastStart: string | null): Database {
    const db = emptyDatabase();
    db.integrations.push(it);
    if (lastStart) db.recent[it.name] = recentOf([newJob({ integration: it.name, id: '000001', status: 'Succeeded', trigger: 'scheduled', startedAt: lastStart, endedAt: lastStart })]);
    return db;
  }
  const iso = (ds: Date[]): string[] => ds.map((d) => d.toISOString());

  it('interval: from the previous start on its grid (rule 3); a change that makes a start overdue starts one now', () => {
    const it = integration({ schedule: { kind: 'interval', everyMs: HOUR } });
    const db = dbWith(it, '2026-01-05T10:00:00.000Z');
    assert.deepEqual(iso(upcomingRuns(db, it, it.schedule, ctx('2026-01-05T10:20:00.000Z'))), [
      '2026-01-05T11:00:00.000Z',
      '2026-01-05T12:00:00.000Z',
      '2026-01-05T13:00:00.000Z',
      '2026-01-05T14:00:00.000Z',
      '2026-01-05T15:00:00.000Z',
    ]);
    // 10 minutes instead: the previous start + 10 min is past, so saving starts a job at once, then every 10 min.
    assert.deepEqual(iso(upcomingRuns(db, it, { kind: 'interval', everyMs: 10 * MIN }, ctx('2026-01-05T10:20:00.000Z')).slice(0, 3)), [
      '2026-01-05T10:20:00.000Z',
      '2026-01-05T10:30:00.000Z',
      '2026-01-05T10:40:00.000Z',
    ]);
    // The workspace default follows singer.defaultReplicationFrequency.
    assert.equal(upcomingRuns(db, it, { kind: 'default' }, { ...ctx('2026-01-05T10:20:00.000Z'), defaultFrequencyMs: 6 * HOUR })[0]!.toISOString(), '2026-01-05T16:00:00.000Z');
  });

  it('cron in local time: the calendar, whatever the previous start', () => {
    const it = integration();
    const runs = upcomingRuns(dbWith(it, '2026-01-05T10:00:00.000Z'), it, { kind: 'cron', expression: '30 6 * * *' }, ctx('2026-01-05T12:00:00.000Z'));
    assert.equal(runs.length, 5);
    for (const d of runs) assert.deepEqual([d.getHours(), d.getMinutes()], [6, 30]);
    for (let i = 1; i < 5; i++) assert.equal(runs[i]!.getTime() - runs[i - 1]!.getTime(), 24 * HOUR);
  });

  it('cron with a time zone: 06:00 in Berlin is 05:00 UTC in winter and 04:00 UTC in summer', () => {
    const it = integration();
    const cron = { kind: 'cron' as const, expression: '0 6 * * 1-5', timezone: 'Europe/Berlin' };
    assert.deepEqual(iso(upcomingRuns(dbWith(it, null), it, cron, ctx('2026-01-09T12:00:00.000Z'))).slice(1), [
      // The first is now: a never-run integration starts its first job at once (rule 2); then Mon-Fri.
      '2026-01-12T05:00:00.000Z',
      '2026-01-13T05:00:00.000Z',
      '2026-01-14T05:00:00.000Z',
      '2026-01-15T05:00:00.000Z',
    ]);
    const summer = upcomingRuns(dbWith(it, '2026-07-01T04:00:00.000Z'), { ...it, schedule: cron }, cron, ctx('2026-07-01T12:00:00.000Z'));
    assert.deepEqual(iso(summer).slice(0, 2), ['2026-07-02T04:00:00.000Z', '2026-07-03T04:00:00.000Z']);
  });

  it('the page view: history newest 30 oldest first, Skipped entries included, the last job never a Skipped one', () => {
    const it = integration();
    const db = dbWith(it, null);
    const jobs: Job[] = [];
    for (let i = 1; i <= 34; i++) {
      const at = new Date(Date.UTC(2026, 0, 1, i)).toISOString();
      const skipped = i % 5 === 0;
      jobs.push(newJob({ integration: 'demo', id: String(i).padStart(6, '0'), status: skipped ? 'Skipped' : 'Succeeded', trigger: 'scheduled', startedAt: at, endedAt: at, records: skipped ? {} : { a: i, b: 1 }, error: skipped ? 'job 000004 still running' : null, logFile: skipped ? null : `x/${i}.log` }));
    }
    db.lastJobId.demo = 34;
    db.recent.demo = recentOf(jobs);
    const row = integrationRow(db, it, { now: new Date('2026-01-03T00:00:00Z'), defaultFrequencyMs: HOUR, catchUp: 'once' });
    const v = settingsView(row, newestFirst(jobs), HOUR);
    assert.equal(v.status.history.length, 30);
    assert.equal(v.status.history[0]!.id, '000005');
    assert.equal(v.status.history.at(-1)!.id, '000034');
    assert.equal(v.status.history.find((j) => j.id === '000030')!.status, 'Skipped');
    assert.equal(v.status.lastJob!.id, '000034');
    assert.equal(v.status.lastJob!.records, 35);
    assert.equal(v.form.tap, 'python3 tap_demo.py');
  });
});

describe('settings page: the protocol', () => {
  const form = formOf(integration(), HOUR);

  it('lets every well-formed message through, both ways', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'check', seq: 3, form },
      { type: 'save', seq: 4, base: form, form: { ...form, mode: 'interval', everyMs: 6 * HOUR } },
      { type: 'browse', field: 'catalog' },
      { type: 'setPaused', paused: true },
      { type: 'showLog', job: '000012' },
      { type: 'openDefaultSetting' },
    ]) {
      const r = parseToHost(m);
      assert.ok(r.ok, `${JSON.stringify(m)}: ${r.ok ? '' : r.error}`);
    }
    const ok = parseToPage({ type: 'saveResult', seq: 4, outcome: 'saved', message: 'Saved demo.', result: null });
    assert.ok(ok.ok);
  });

  it('rejects bad messages with what was wrong: unknown types, missing or mistyped fields, bad ids and times', () => {
    const bad: Array<[unknown, RegExp]> = [
      [null, /dropped/],
      ['ready', /dropped/],
      [{ type: 'deleteEverything' }, /type "deleteEverything" dropped/],
      [{ type: 'check', seq: 1 }, /at form/],
      [{ type: 'check', seq: -1, form }, /at seq/],
      [{ type: 'save', seq: 1, form }, /at base/],
      [{ type: 'check', seq: 1, form: { ...form, mode: 'hourly' } }, /at form\.mode/],
      [{ type: 'check', seq: 1, form: { ...form, everyMs: 0 } }, /at form\.everyMs/],
      [{ type: 'check', seq: 1, form: { ...form, env: [{ key: 'A' }] } }, /at form\.env\.0\.value/],
      [{ type: 'browse', field: '/etc/passwd' }, /at field/],
      [{ type: 'showLog', job: '../../x' }, /at job/],
      [{ type: 'setPaused', paused: 'yes' }, /at paused/],
    ];
    for (const [m, why] of bad) {
      const r = parseToHost(m);
      assert.equal(r.ok, false, `${JSON.stringify(m)} was let through`);
      if (!r.ok) assert.match(r.error, why, JSON.stringify(m));
    }
    assert.equal(parseToPage({ type: 'checked', seq: 1, result: { errors: {}, warnings: {}, argv: { tap: null, target: null }, upcoming: { runs: ['tomorrow'], note: null } } }).ok, false);
    assert.equal(parseToPage({ type: 'saveResult', seq: 1, outcome: 'overwritten', message: null, result: null }).ok, false);
    assert.equal(parseToPage({ type: 'ready' }).ok, false, 'a page message is not a host message');
  });
});
