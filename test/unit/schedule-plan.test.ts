import * as assert from 'node:assert/strict';
import { MAX_SKIPPED, plan, SKIP_REASON, type Plan, type PlanInput } from '../../src/core/schedule/plan';
import { describeSchedule, resolveSchedule, type ResolvedSchedule } from '../../src/core/schedule/resolve';
import { SingerError } from '../../src/core/errors';

const MIN = 60_000;
const HOUR = 60 * MIN;
const hourly: ResolvedSchedule = { kind: 'interval', everyMs: HOUR };

/** Times in these tests are UTC; a bare "HH:MM" is on 2026-03-02. */
function at(text: string): Date {
  const iso = /^\d\d:\d\d$/.test(text) ? `2026-03-02T${text}:00Z` : text;
  const d = new Date(iso);
  assert.ok(!Number.isNaN(d.getTime()), `bad test time ${text}`);
  return d;
}
const hhmm = (d: Date | null): string | null => (d ? d.toISOString().slice(11, 16) : null);

function input(over: Partial<PlanInput> & { now: Date }): PlanInput {
  return {
    schedule: hourly,
    anchorAt: null,
    handledUntil: null,
    running: null,
    paused: false,
    activation: false,
    catchUp: 'once',
    ...over,
  };
}

/** A plan in the shape the tables compare: times as HH:MM, skipped as "HH:MM reason". */
function brief(p: Plan): { start: Plan['start']; skipped: string[]; next: string | null } {
  return { start: p.start, skipped: p.skipped.map((s) => `${hhmm(s.dueAt)} ${s.reason}`), next: hhmm(p.nextRunAt) };
}

// ---------------------------------------------------------------------------------------------
// A fake driver: wakes at nextRunAt, at job ends and at manual starts, plans, and records what the
// plan says, the way the real scheduler will. Entries read "<id> <what> <time> <trigger|reason>".

interface SimJob { id: string; startedAt: number; endsAt: number; skipped: boolean }
interface SimOptions {
  schedule: ResolvedSchedule;
  from: Date;
  until: Date;
  /** Minutes a job runs, by its number (1-based, skipped entries count); default 5. */
  minutes?: Record<number, number>;
  manual?: Date[];
  format?: (d: Date) => string;
}

function simulate(o: SimOptions): string[] {
  const jobs: SimJob[] = [];
  const log: string[] = [];
  const format = o.format ?? ((d: Date): string => hhmm(d)!);
  const manual = (o.manual ?? []).map((d) => d.getTime());
  let wake: number | null = o.from.getTime();
  // Cast, so the compiler does not narrow it to null: startJob assigns it from a closure.
  let running = null as SimJob | null;
  const startJob = (now: number, trigger: string): void => {
    const n = jobs.length + 1;
    const job = { id: String(n).padStart(6, '0'), startedAt: now, endsAt: now + (o.minutes?.[n] ?? 5) * MIN, skipped: false };
    jobs.push(job);
    running = job;
    log.push(`${job.id} ran ${format(new Date(now))} ${trigger}`);
  };
  for (let guard = 0; ; guard++) {
    assert.ok(guard < 10_000, 'the simulated driver never settled');
    const now = Math.min(...[wake, running?.endsAt ?? null, manual[0] ?? null].filter((x): x is number => x !== null));
    if (now > o.until.getTime()) return log;
    if (running && running.endsAt <= now) running = null;
    if (manual[0] === now) {
      manual.shift();
      if (!running) startJob(now, 'manual');
    }
    const real = jobs.filter((j) => !j.skipped);
    const newestStart = real.length ? real[real.length - 1]!.startedAt : null;
    const newestAny = jobs.length ? jobs[jobs.length - 1]!.startedAt : null;
    const p = plan({
      schedule: o.schedule,
      anchorAt: newestStart === null ? null : new Date(newestStart),
      handledUntil: newestAny === null ? null : new Date(Math.max(newestAny, newestStart ?? newestAny)),
      running: running ? { jobId: running.id, startedAt: new Date(running.startedAt) } : null,
      paused: false,
      now: new Date(now),
      activation: false,
      catchUp: 'once',
    });
    for (const s of p.skipped) {
      const id = String(jobs.length + 1).padStart(6, '0');
      jobs.push({ id, startedAt: s.dueAt.getTime(), endsAt: s.dueAt.getTime(), skipped: true });
      log.push(`${id} skipped ${format(s.dueAt)} ${s.reason}`);
    }
    if (p.start) startJob(now, p.start);
    wake = p.nextRunAt ? p.nextRunAt.getTime() : null;
  }
}

describe('schedule plan: Stitch examples', () => {
  it('example 1: a 6-hour frequency starting 13:00 UTC runs at 19:00, 01:00, 07:00, 13:00', () => {
    const log = simulate({ schedule: { kind: 'interval', everyMs: 6 * HOUR }, from: at('13:00'), until: at('2026-03-03T13:30:00Z') });
    assert.deepEqual(log, [
      '000001 ran 13:00 scheduled',
      '000002 ran 19:00 scheduled',
      '000003 ran 01:00 scheduled',
      '000004 ran 07:00 scheduled',
      '000005 ran 13:00 scheduled',
    ]);
  });

  it('example 2: job 2 runs 68 minutes, so 20:30 is skipped and job 4 starts 21:30', () => {
    const log = simulate({ schedule: hourly, from: at('18:30'), until: at('21:45'), minutes: { 1: 10, 2: 68 } });
    assert.deepEqual(log, [
      '000001 ran 18:30 scheduled',
      '000002 ran 19:30 scheduled',
      '000003 skipped 20:30 job 000002 still running',
      '000004 ran 21:30 scheduled',
    ]);
  });

  it('rule 5: a manual start at 19:47 moves the next run to 20:47', () => {
    const log = simulate({ schedule: hourly, from: at('18:30'), until: at('21:00'), manual: [at('19:47')] });
    assert.deepEqual(log, [
      '000001 ran 18:30 scheduled',
      '000002 ran 19:30 scheduled',
      '000003 ran 19:47 manual',
      '000004 ran 20:47 scheduled',
    ]);
  });
});

describe('schedule plan: rules as tables', () => {
  const cases: { name: string; input: PlanInput; want: ReturnType<typeof brief> }[] = [
    {
      name: 'rule 2: never ran, so the first job starts at once',
      input: input({ now: at('13:00') }),
      want: { start: 'scheduled', skipped: [], next: '14:00' },
    },
    {
      name: 'rule 2 on activation too: a never-run integration missed nothing',
      input: input({ now: at('13:00'), activation: true }),
      want: { start: 'scheduled', skipped: [], next: '14:00' },
    },
    {
      name: 'rule 3: nothing due yet, next = previous start + frequency',
      input: input({ anchorAt: at('13:00'), handledUntil: at('13:00'), now: at('13:40') }),
      want: { start: null, skipped: [], next: '14:00' },
    },
    {
      name: 'rule 3: the due recurrence starts; the grid re-anchors on it',
      input: input({ anchorAt: at('13:00'), handledUntil: at('13:00'), now: at('14:00') }),
      want: { start: 'scheduled', skipped: [], next: '15:00' },
    },
    {
      name: 'rule 5: after a manual start at 19:47 the next run is 20:47',
      input: input({ anchorAt: at('19:47'), handledUntil: at('19:47'), now: at('19:52') }),
      want: { start: null, skipped: [], next: '20:47' },
    },
    {
      name: 'rule 4: a recurrence while the job runs is skipped, the grid goes on',
      input: input({ anchorAt: at('19:30'), handledUntil: at('19:30'), running: { jobId: '000041', startedAt: at('19:30') }, now: at('20:30') }),
      want: { start: null, skipped: ['20:30 job 000041 still running'], next: '21:30' },
    },
    {
      name: 'rule 4: once the long job ends, nothing is due until the grid says so',
      input: input({ anchorAt: at('19:30'), handledUntil: at('20:30'), now: at('20:38') }),
      want: { start: null, skipped: [], next: '21:30' },
    },
    {
      name: 'a job across three recurrences, planned once late: three skipped entries',
      input: input({ anchorAt: at('10:00'), handledUntil: at('10:00'), running: { jobId: '000007', startedAt: at('10:00') }, now: at('13:20') }),
      want: {
        start: null,
        skipped: ['11:00 job 000007 still running', '12:00 job 000007 still running', '13:00 job 000007 still running'],
        next: '14:00',
      },
    },
    {
      name: 'the running job is the newest start even if the caller passed an older anchor',
      input: input({ anchorAt: at('09:00'), handledUntil: at('09:00'), running: { jobId: '000008', startedAt: at('09:47') }, now: at('10:00') }),
      want: { start: null, skipped: [], next: '10:47' },
    },
    {
      name: 'late timer (computer asleep): the newest due starts, older ones are skipped as suspended',
      input: input({ anchorAt: at('08:00'), handledUntil: at('08:00'), now: at('11:05') }),
      want: { start: 'scheduled', skipped: [`09:00 ${SKIP_REASON.suspended}`, `10:00 ${SKIP_REASON.suspended}`], next: '12:05' },
    },
    {
      name: 'handledUntil in the future (clock stepped back): nothing is reported twice',
      input: input({ anchorAt: at('08:00'), handledUntil: at('10:00'), now: at('09:30') }),
      want: { start: null, skipped: [], next: '11:00' },
    },
    {
      name: 'rule 7: 5 missed recurrences, catch-up once',
      input: input({ anchorAt: at('08:00'), handledUntil: at('08:00'), now: at('13:30'), activation: true }),
      want: {
        start: 'catch-up',
        skipped: ['09:00', '10:00', '11:00', '12:00', '13:00'].map((h) => `${h} ${SKIP_REASON.editorClosed}`),
        next: '14:30',
      },
    },
    {
      name: 'rule 7: 5 missed recurrences, catch-up skip: only the skipped entries',
      input: input({ anchorAt: at('08:00'), handledUntil: at('08:00'), now: at('13:30'), activation: true, catchUp: 'skip' }),
      want: {
        start: null,
        skipped: ['09:00', '10:00', '11:00', '12:00', '13:00'].map((h) => `${h} ${SKIP_REASON.editorClosed}`),
        next: '14:00',
      },
    },
    {
      name: 'rule 7: activation with nothing missed does nothing',
      input: input({ anchorAt: at('08:00'), handledUntil: at('08:00'), now: at('08:30'), activation: true }),
      want: { start: null, skipped: [], next: '09:00' },
    },
    {
      name: 'rule 7: activation while another process runs a job: those recurrences fell while it ran',
      input: input({
        anchorAt: at('08:00'),
        handledUntil: at('08:00'),
        running: { jobId: '000003', startedAt: at('08:00') },
        now: at('10:10'),
        activation: true,
      }),
      want: { start: null, skipped: ['09:00 job 000003 still running', '10:00 job 000003 still running'], next: '11:00' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(brief(plan(c.input)), c.want));
  }
});

describe('schedule plan: pause (rule 6)', () => {
  const cases: { name: string; input: PlanInput; want: ReturnType<typeof brief> }[] = [
    {
      name: 'a paused integration with a backlog starts and records nothing',
      input: input({ anchorAt: at('08:00'), handledUntil: at('08:00'), now: at('13:30'), paused: true, activation: true }),
      want: { start: null, skipped: [], next: null },
    },
    {
      name: 'a paused integration that never ran does not start (rule 2 "unless paused")',
      input: input({ now: at('13:30'), paused: true }),
      want: { start: null, skipped: [], next: null },
    },
    {
      name: 'a manual job on a paused integration skips nothing',
      input: input({ anchorAt: at('08:00'), handledUntil: at('08:00'), running: { jobId: '000002', startedAt: at('08:00') }, now: at('10:00'), paused: true }),
      want: { start: null, skipped: [], next: null },
    },
    {
      name: 'unpaused before the next recurrence: the grid goes on',
      input: input({ anchorAt: at('13:00'), handledUntil: at('13:00'), now: at('13:40'), changedAt: at('13:40') }),
      want: { start: null, skipped: [], next: '14:00' },
    },
    {
      name: 'unpaused after recurrences passed: overdue, one job at once, the paused ones are not recorded',
      input: input({ anchorAt: at('13:00'), handledUntil: at('13:00'), now: at('16:10'), changedAt: at('16:10') }),
      want: { start: 'scheduled', skipped: [], next: '17:10' },
    },
    {
      name: 'unpaused with handledUntil = the unpause time: waits for the next recurrence of the grid',
      input: input({ anchorAt: at('13:00'), handledUntil: at('16:10'), now: at('16:10') }),
      want: { start: null, skipped: [], next: '17:00' },
    },
    {
      name: 'unpaused at 16:10, next plan 17:00 (not an activation): starts, still records nothing for the pause',
      input: input({ anchorAt: at('13:00'), handledUntil: at('16:10'), now: at('17:00'), changedAt: at('16:10') }),
      want: { start: 'scheduled', skipped: [], next: '18:00' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(brief(plan(c.input)), c.want));
  }
});

describe('schedule plan: frequency changes and the workspace default', () => {
  const sixHourly: ResolvedSchedule = { kind: 'interval', everyMs: 6 * HOUR };
  const cases: { name: string; input: PlanInput; want: ReturnType<typeof brief> }[] = [
    {
      name: '6h -> 1h at 13:20 (started 13:00): next = 13:00 + 1h',
      input: input({ anchorAt: at('13:00'), handledUntil: at('13:00'), now: at('13:20'), changedAt: at('13:20') }),
      want: { start: null, skipped: [], next: '14:00' },
    },
    {
      name: '6h -> 1h at 15:10: 14:00 is past, so a job starts at once and nothing is skipped',
      input: input({ anchorAt: at('13:00'), handledUntil: at('13:00'), now: at('15:10'), changedAt: at('15:10') }),
      want: { start: 'scheduled', skipped: [], next: '16:10' },
    },
    {
      name: 'the same change without changedAt looks like a late timer (why changedAt exists)',
      input: input({ anchorAt: at('13:00'), handledUntil: at('13:00'), now: at('15:10') }),
      want: { start: 'scheduled', skipped: [`14:00 ${SKIP_REASON.suspended}`], next: '16:10' },
    },
    {
      name: '1h -> 6h at 13:30: next = 13:00 + 6h',
      input: input({ schedule: sixHourly, anchorAt: at('13:00'), handledUntil: at('13:00'), now: at('13:30'), changedAt: at('13:30') }),
      want: { start: null, skipped: [], next: '19:00' },
    },
    {
      name: '1h -> 10m at 13:30 while a job runs: the new grid\'s past points are not skipped, 13:40 is next',
      input: input({
        schedule: { kind: 'interval', everyMs: 10 * MIN },
        anchorAt: at('13:00'),
        handledUntil: at('13:00'),
        running: { jobId: '000009', startedAt: at('13:00') },
        now: at('13:30'),
        changedAt: at('13:30'),
      }),
      want: { start: null, skipped: [], next: '13:40' },
    },
    {
      name: '... and at 13:40 that recurrence is skipped because the job still runs',
      input: input({
        schedule: { kind: 'interval', everyMs: 10 * MIN },
        anchorAt: at('13:00'),
        handledUntil: at('13:00'),
        running: { jobId: '000009', startedAt: at('13:00') },
        now: at('13:40'),
        changedAt: at('13:30'),
      }),
      want: { start: null, skipped: ['13:40 job 000009 still running'], next: '13:50' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(brief(plan(c.input)), c.want));
  }

  it('"default" follows the workspace default and changes when it changes', () => {
    const stored = { kind: 'default' } as const;
    const base = { anchorAt: at('13:00'), handledUntil: at('13:00'), now: at('13:10') };
    assert.deepEqual(resolveSchedule(stored, HOUR), { kind: 'interval', everyMs: HOUR });
    assert.equal(hhmm(plan(input({ ...base, schedule: resolveSchedule(stored, HOUR) })).nextRunAt), '14:00');
    assert.equal(hhmm(plan(input({ ...base, schedule: resolveSchedule(stored, 6 * HOUR) })).nextRunAt), '19:00');
    assert.equal(hhmm(plan(input({ ...base, schedule: resolveSchedule(stored, 30 * MIN) })).nextRunAt), '13:30');
    assert.equal(describeSchedule(stored, 6 * HOUR), 'default (every 6h)');
  });

  it('resolveSchedule keeps interval and cron schedules as they are', () => {
    assert.deepEqual(resolveSchedule({ kind: 'interval', everyMs: 5 * MIN }, HOUR), { kind: 'interval', everyMs: 5 * MIN });
    assert.deepEqual(resolveSchedule({ kind: 'cron', expression: '0 6 * * *' }, HOUR), { kind: 'cron', expression: '0 6 * * *' });
    assert.deepEqual(resolveSchedule({ kind: 'cron', expression: '0 6 * * *', timezone: 'Europe/Berlin' }, HOUR), {
      kind: 'cron',
      expression: '0 6 * * *',
      timezone: 'Europe/Berlin',
    });
    assert.throws(() => resolveSchedule({ kind: 'default' }, 0), /singer\.defaultReplicationFrequency/);
  });
});

describe('schedule plan: huge backlogs are capped', () => {
  const everyMinute: ResolvedSchedule = { kind: 'interval', everyMs: MIN };

  it('a 1-minute integration last run a year ago lists the newest 100 and summarises the rest, without looping', () => {
    const started = performance.now();
    const p = plan(input({ schedule: everyMinute, anchorAt: at('2025-01-01T00:00:00Z'), handledUntil: at('2025-01-01T00:00:00Z'), now: at('2026-01-01T00:00:30Z'), activation: true }));
    assert.ok(performance.now() - started < 50, 'planning a year of 1-minute recurrences must be arithmetic');
    assert.equal(p.start, 'catch-up');
    assert.equal(p.skipped.length, MAX_SKIPPED);
    assert.equal(p.skipped[0]!.dueAt.toISOString(), '2025-12-31T22:21:00.000Z');
    assert.equal(p.skipped[99]!.dueAt.toISOString(), '2026-01-01T00:00:00.000Z');
    assert.deepEqual(p.omitted, {
      count: 365 * 1440 - MAX_SKIPPED,
      firstDueAt: at('2025-01-01T00:01:00Z'),
      lastDueAt: at('2025-12-31T22:20:00Z'),
      reason: SKIP_REASON.editorClosed,
    });
    assert.equal(p.nextRunAt?.toISOString(), '2026-01-01T00:01:30.000Z');
  });

  it('the cap applies to sleep and running backlogs, and maxSkipped lowers it', () => {
    const asleep = plan(input({ schedule: everyMinute, anchorAt: at('08:00'), handledUntil: at('08:00'), now: at('10:00'), maxSkipped: 10 }));
    assert.equal(asleep.start, 'scheduled');
    assert.deepEqual(asleep.skipped.map((s) => hhmm(s.dueAt)), ['09:50', '09:51', '09:52', '09:53', '09:54', '09:55', '09:56', '09:57', '09:58', '09:59']);
    assert.deepEqual(asleep.omitted, { count: 109, firstDueAt: at('08:01'), lastDueAt: at('09:49'), reason: SKIP_REASON.suspended });

    const busy = plan(input({ schedule: everyMinute, anchorAt: at('08:00'), handledUntil: at('08:00'), running: { jobId: '000001', startedAt: at('08:00') }, now: at('10:00'), maxSkipped: 3 }));
    assert.deepEqual(busy.skipped.map((s) => hhmm(s.dueAt)), ['09:58', '09:59', '10:00']);
    assert.equal(busy.omitted?.count, 117);
    assert.throws(() => plan(input({ now: at('10:00'), maxSkipped: 0 })), /maxSkipped/);
  });

  it('a cron backlog is capped without walking it all', () => {
    const started = performance.now();
    const p = plan(input({
      schedule: { kind: 'cron', expression: '* * * * *', timezone: 'UTC' },
      anchorAt: at('2026-01-01T00:00:00Z'),
      handledUntil: at('2026-01-01T00:00:00Z'),
      now: at('2026-03-01T00:00:30Z'),
      activation: true,
      catchUp: 'skip',
    }));
    assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
    assert.equal(p.start, null);
    assert.equal(p.skipped.length, MAX_SKIPPED);
    assert.equal(p.skipped[0]!.dueAt.toISOString(), '2026-02-28T22:21:00.000Z');
    assert.equal(p.skipped[99]!.dueAt.toISOString(), '2026-03-01T00:00:00.000Z');
    // Too many to count at croner's speed: the range is still exact.
    assert.deepEqual(p.omitted, { count: null, firstDueAt: at('2026-01-01T00:01:00Z'), lastDueAt: at('2026-02-28T22:20:00Z'), reason: SKIP_REASON.editorClosed });
    assert.equal(p.nextRunAt?.toISOString(), '2026-03-01T00:01:00.000Z');
  });
});

describe('schedule plan: cron', () => {
  const iso = (d: Date): string => d.toISOString();

  it('a never-run cron integration starts at once (rule 2), then follows the calendar', () => {
    const p = plan(input({ schedule: { kind: 'cron', expression: '0 6 * * *', timezone: 'UTC' }, now: at('13:00') }));
    assert.equal(p.start, 'scheduled');
    assert.equal(p.nextRunAt?.toISOString(), '2026-03-03T06:00:00.000Z');
  });

  it('30 2 * * * in Europe/Berlin across the spring-forward of 2026-03-29 (02:30 does not exist that day)', () => {
    const log = simulate({
      schedule: { kind: 'cron', expression: '30 2 * * *', timezone: 'Europe/Berlin' },
      from: at('2026-03-27T12:00:00Z'),
      until: at('2026-03-30T12:00:00Z'),
      format: iso,
    });
    assert.deepEqual(log, [
      '000001 ran 2026-03-27T12:00:00.000Z scheduled', // rule 2
      '000002 ran 2026-03-28T01:30:00.000Z scheduled', // 02:30 CET
      '000003 ran 2026-03-29T01:30:00.000Z scheduled', // croner runs the missing 02:30 at 03:30 CEST
      '000004 ran 2026-03-30T00:30:00.000Z scheduled', // 02:30 CEST
    ]);
  });

  it('0 * * * * in America/New_York across the fall-back of 2026-11-01 runs the repeated hour once', () => {
    const log = simulate({
      schedule: { kind: 'cron', expression: '0 * * * *', timezone: 'America/New_York' },
      from: at('2026-11-01T03:30:00Z'),
      until: at('2026-11-01T08:30:00Z'),
      format: iso,
    });
    assert.deepEqual(log, [
      '000001 ran 2026-11-01T03:30:00.000Z scheduled',
      '000002 ran 2026-11-01T04:00:00.000Z scheduled', // 00:00 EDT
      '000003 ran 2026-11-01T05:00:00.000Z scheduled', // 01:00 EDT; 01:00 EST (06:00Z) is not a run
      '000004 ran 2026-11-01T07:00:00.000Z scheduled', // 02:00 EST
      '000005 ran 2026-11-01T08:00:00.000Z scheduled',
    ]);
  });

  it('skips cron recurrences while a job runs and is not re-anchored by a manual start', () => {
    const log = simulate({
      schedule: { kind: 'cron', expression: '0 * * * *', timezone: 'UTC' },
      from: at('10:00'),
      until: at('13:30'),
      minutes: { 1: 150 },
      manual: [at('12:40')],
    });
    assert.deepEqual(log, [
      '000001 ran 10:00 scheduled',
      '000002 skipped 11:00 job 000001 still running',
      '000003 skipped 12:00 job 000001 still running',
      '000004 ran 12:40 manual',
      '000005 ran 13:00 scheduled', // an interval would say 13:40
    ]);
  });

  it('catch-up after 5 missed cron recurrences; the next run stays on the calendar', () => {
    const cron: ResolvedSchedule = { kind: 'cron', expression: '0 * * * *', timezone: 'UTC' };
    const base = { schedule: cron, anchorAt: at('08:00'), handledUntil: at('08:00'), now: at('13:30'), activation: true };
    const missed = ['09:00', '10:00', '11:00', '12:00', '13:00'].map((h) => `${h} ${SKIP_REASON.editorClosed}`);
    assert.deepEqual(brief(plan(input(base))), { start: 'catch-up', skipped: missed, next: '14:00' });
    assert.deepEqual(brief(plan(input({ ...base, catchUp: 'skip' }))), { start: null, skipped: missed, next: '14:00' });
  });

  it('a bad stored cron expression is refused with the fix', () => {
    assert.throws(
      () => plan(input({ schedule: { kind: 'cron', expression: '0 25 * * *' }, anchorAt: at('08:00'), now: at('09:00') })),
      (err: unknown) => err instanceof SingerError && /hour field "25"/.test(err.message) && /edit the integration's schedule/.test(err.message),
    );
  });
});

describe('schedule plan: input checks', () => {
  it('refuses invalid dates and intervals with a message that says what to pass', () => {
    assert.throws(() => plan(input({ now: new Date('nope') })), /now is not a valid date/);
    assert.throws(() => plan(input({ schedule: { kind: 'interval', everyMs: 0 }, anchorAt: at('08:00'), now: at('09:00') })), /replication frequency/);
  });
});
