import * as assert from 'node:assert/strict';
import { compileCron, cronRunsIn, newestCronRuns, validateCron } from '../../src/core/schedule/cron';
import { describeSchedule } from '../../src/core/schedule/resolve';

const ms = (iso: string): number => new Date(iso).getTime();
const isos = (runs: number[]): string[] => runs.map((t) => new Date(t).toISOString());

describe('validateCron', () => {
  const good: { expression: string; timezone?: string; stored: string; zone?: string }[] = [
    { expression: '0 6 * * *', stored: '0 6 * * *' },
    { expression: '*/15 * * * *', stored: '*/15 * * * *' },
    { expression: '0 0 6 * * *', stored: '0 0 6 * * *' }, // 6 fields: seconds first
    { expression: '30 */10 * * * *', stored: '30 */10 * * * *' },
    { expression: '0 6 * * MON-FRI', stored: '0 6 * * MON-FRI' },
    { expression: '0 0 L * *', stored: '0 0 L * *' },
    { expression: '0 6 * * 5L', stored: '0 6 * * 5L' },
    { expression: '0 6 * * 1#2', stored: '0 6 * * 1#2' },
    { expression: '0 0 29 2 *', stored: '0 0 29 2 *' }, // leap days only, but it does fire
    { expression: '@daily', stored: '@daily' },
    { expression: '  0   6 * *  *  ', stored: '0 6 * * *' }, // whitespace is normalised, not refused
    { expression: '0 6 * * *', timezone: 'Europe/Berlin', stored: '0 6 * * *', zone: 'Europe/Berlin' },
    { expression: '0 6 * * *', timezone: 'UTC', stored: '0 6 * * *', zone: 'UTC' },
    { expression: '0 6 * * *', timezone: 'europe/berlin', stored: '0 6 * * *', zone: 'Europe/Berlin' },
  ];
  for (const g of good) {
    it(`accepts ${JSON.stringify(g.expression)}${g.timezone ? ` in ${g.timezone}` : ''}`, () => {
      const want = g.zone === undefined ? { ok: true, expression: g.stored } : { ok: true, expression: g.stored, timezone: g.zone };
      assert.deepEqual(validateCron(g.expression, g.timezone), want);
    });
  }

  const bad: { expression: string; timezone?: string; says: RegExp[] }[] = [
    { expression: '', says: [/empty/, /"0 6 \* \* \*"/] },
    { expression: '* * * *', says: [/has 4 fields/, /give 5 \(minute hour day-of-month month day-of-week/, /or 6 \(a seconds field first/] },
    { expression: '0 0 6 * * * 2027', says: [/has 7 fields/] },
    { expression: '61 * * * *', says: [/the minute field "61" is not valid/, /minute takes 0-59/] },
    { expression: '0 25 * * *', says: [/the hour field "25"/, /hour takes 0-23/] },
    { expression: '0 6 32 * *', says: [/the day-of-month field "32"/, /1-31 or L/] },
    { expression: '0 6 1W * *', says: [/the day-of-month field "1W"/, /illegal characters/] },
    { expression: '0 6 * 13 *', says: [/the month field "13"/, /1-12 or JAN-DEC/] },
    { expression: '0 6 * * 8', says: [/the day-of-week field "8"/, /SUN-SAT/] },
    { expression: '*/0 * * * *', says: [/the minute field "\*\/0"/, /stepping: 0/] },
    { expression: '70 0 6 * * *', says: [/the second field "70"/] },
    { expression: '? 6 * * *', says: [/uses "\?"/, /write "\*" or a number instead/] },
    { expression: '0 0 31 2 *', says: [/never fires/, /day-of-month and month/] },
    { expression: '@reboot', says: [/not a known nickname/, /@daily/] },
    { expression: '0 6 * * *', timezone: 'Mars/Olympus', says: [/unknown time zone "Mars\/Olympus"/, /IANA name such as "Europe\/Berlin"/] },
    { expression: '0 6 * * *', timezone: 'Berlin', says: [/unknown time zone "Berlin"; did you mean "Europe\/Berlin"\?/] },
    { expression: '0 6 * * *', timezone: ' ', says: [/time zone is empty/, /local time/] },
  ];
  for (const b of bad) {
    it(`refuses ${JSON.stringify(b.expression)}${b.timezone !== undefined ? ` in ${JSON.stringify(b.timezone)}` : ''} and says what to fix`, () => {
      const r = validateCron(b.expression, b.timezone);
      assert.equal(r.ok, false);
      if (r.ok) return;
      for (const re of b.says) assert.match(r.error, re);
    });
  }

  it('compileCron throws the same sentence, pointing at the stored schedule', () => {
    assert.throws(() => compileCron('0 6 * *'), /has 4 fields.*edit the integration's schedule/);
    assert.equal(compileCron(' 0 6 * * * ', 'UTC').nextRun(new Date(ms('2026-01-01T07:00:00Z')))?.toISOString(), '2026-01-02T06:00:00.000Z');
  });
});

describe('describeSchedule', () => {
  const cases: { schedule: Parameters<typeof describeSchedule>[0]; defaultMs?: number; says: string }[] = [
    { schedule: { kind: 'interval', everyMs: 3_600_000 }, says: 'every 1h' },
    { schedule: { kind: 'interval', everyMs: 5_400_000 }, says: 'every 90m' },
    { schedule: { kind: 'interval', everyMs: 2_000 }, says: 'every 2s' },
    { schedule: { kind: 'default' }, defaultMs: 21_600_000, says: 'default (every 6h)' },
    { schedule: { kind: 'default' }, says: 'default' },
    { schedule: { kind: 'cron', expression: '0 6 * * *', timezone: 'Europe/Berlin' }, says: 'cron 0 6 * * * (Europe/Berlin)' },
    { schedule: { kind: 'cron', expression: '0 6 * * *' }, says: 'cron 0 6 * * * (local time)' },
  ];
  for (const c of cases) {
    it(c.says, () => assert.equal(describeSchedule(c.schedule, c.defaultMs), c.says));
  }
});

describe('cron run times', () => {
  it('croner across daylight-saving changes, as exact UTC instants', () => {
    const berlin = compileCron('30 2 * * *', 'Europe/Berlin');
    assert.deepEqual(isos(cronRunsIn(berlin, ms('2026-03-27T00:00:00Z'), ms('2026-03-30T12:00:00Z'), 10).runs), [
      '2026-03-27T01:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist; croner runs at 03:30 CEST
      '2026-03-30T00:30:00.000Z',
    ]);
    assert.deepEqual(isos(cronRunsIn(berlin, ms('2026-10-24T00:00:00Z'), ms('2026-10-26T12:00:00Z'), 10).runs), [
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z', // 02:30 happens twice; croner takes the second (CET)
      '2026-10-26T01:30:00.000Z',
    ]);
    const newYork = compileCron('0 * * * *', 'America/New_York');
    assert.deepEqual(isos(cronRunsIn(newYork, ms('2026-11-01T03:30:00Z'), ms('2026-11-01T08:00:00Z'), 10).runs), [
      '2026-11-01T04:00:00.000Z',
      '2026-11-01T05:00:00.000Z', // 01:00 EDT; the repeated 01:00 EST (06:00Z) is not a run
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T08:00:00.000Z',
    ]);
  });

  it('cronRunsIn reports when it stopped at its limit', () => {
    const hourly = compileCron('0 * * * *', 'UTC');
    const r = cronRunsIn(hourly, ms('2026-01-01T00:00:00Z'), ms('2026-01-02T00:00:00Z'), 5);
    assert.equal(r.complete, false);
    assert.equal(r.runs.length, 5);
    assert.deepEqual(cronRunsIn(hourly, ms('2026-01-01T00:00:00Z'), ms('2026-01-01T03:00:00Z'), 5), {
      runs: [ms('2026-01-01T01:00:00Z'), ms('2026-01-01T02:00:00Z'), ms('2026-01-01T03:00:00Z')],
      complete: true,
    });
  });

  const windows: { name: string; expression: string; after: string; until: string; keep: number; runs: [string, string]; omitted: { count: number | null; first: string; last: string } | null }[] = [
    {
      name: 'few runs: all listed',
      expression: '0 * * * *',
      after: '2026-01-01T00:00:00Z',
      until: '2026-01-01T05:30:00Z',
      keep: 10,
      runs: ['2026-01-01T01:00:00.000Z', '2026-01-01T05:00:00.000Z'],
      omitted: null,
    },
    {
      name: 'two weeks of an hourly cron: the newest 100, the other 236 counted exactly',
      expression: '0 * * * *',
      after: '2026-01-01T00:00:00Z',
      until: '2026-01-15T00:00:00Z',
      keep: 100,
      runs: ['2026-01-10T21:00:00.000Z', '2026-01-15T00:00:00.000Z'],
      omitted: { count: 236, first: '2026-01-01T01:00:00.000Z', last: '2026-01-10T20:00:00.000Z' },
    },
    {
      name: 'an irregular cron (working hours) seen on a Saturday: the window search finds Friday afternoon',
      expression: '* 9-17 * * 1-5',
      after: '2026-01-01T00:00:00Z',
      until: '2026-03-07T12:00:00Z',
      keep: 100,
      runs: ['2026-03-06T16:20:00.000Z', '2026-03-06T17:59:00.000Z'],
      omitted: { count: null, first: '2026-01-01T09:00:00.000Z', last: '2026-03-06T16:19:00.000Z' },
    },
    {
      name: 'a seconds cron over a day',
      expression: '*/5 * * * * *',
      after: '2026-01-01T00:00:00Z',
      until: '2026-01-02T00:00:00Z',
      keep: 3,
      runs: ['2026-01-01T23:59:50.000Z', '2026-01-02T00:00:00.000Z'],
      omitted: { count: null, first: '2026-01-01T00:00:05.000Z', last: '2026-01-01T23:59:45.000Z' },
    },
  ];
  for (const w of windows) {
    it(`newestCronRuns: ${w.name}`, () => {
      const r = newestCronRuns(compileCron(w.expression, 'UTC'), ms(w.after), ms(w.until), w.keep);
      assert.deepEqual([new Date(r.runs[0]!).toISOString(), new Date(r.runs[r.runs.length - 1]!).toISOString()], w.runs);
      if (w.omitted) assert.ok(r.runs.length === w.keep, `kept ${r.runs.length}`);
      for (let i = 1; i < r.runs.length; i++) assert.ok(r.runs[i]! > r.runs[i - 1]!, 'runs are oldest first');
      assert.deepEqual(
        r.omitted && { count: r.omitted.count, first: new Date(r.omitted.first).toISOString(), last: new Date(r.omitted.last).toISOString() },
        w.omitted,
      );
    });
  }
});
