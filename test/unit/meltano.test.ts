/**
 * Meltano interop without Meltano: schedule conversion, stream selection both ways, how import reads
 * a project (include_paths, inheritance, .env, mappers) and refuses bad input with file and line,
 * and how export updates a meltano.yml (comments kept, names guarded, no secret value written).
 * The runs under a real `meltano` are in meltanoInterop.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/core/engine';
import {
  applyCatalogRules,
  cronToInterval,
  frequencyToCron,
  intervalToSchedule,
  MELTANO_INTERVAL,
  planMeltanoImport,
  programName,
  selectionRules,
} from '../../src/core/meltano';
import { cli, FIXTURES, TAP, TARGET, tempWorkspace, type Workspace } from './helpers/workspace';

function write(ws: Workspace, rel: string, text: string): string {
  const f = ws.file(rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

const CATALOG = {
  streams: [
    {
      tap_stream_id: 'items',
      stream: 'items',
      schema: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, blob: { type: 'string' }, secret: { type: 'string' } } },
      metadata: [
        { breadcrumb: [], metadata: { 'table-key-properties': ['id'], 'replication-method': 'INCREMENTAL', 'replication-key': 'id' } },
        { breadcrumb: ['properties', 'id'], metadata: { inclusion: 'automatic' } },
        { breadcrumb: ['properties', 'name'], metadata: { inclusion: 'available' } },
        { breadcrumb: ['properties', 'blob'], metadata: { inclusion: 'available' } },
        { breadcrumb: ['properties', 'secret'], metadata: { inclusion: 'unsupported' } },
      ],
    },
    {
      tap_stream_id: 'users',
      stream: 'users',
      schema: { type: 'object', properties: { id: { type: 'integer' }, email: { type: 'string' } } },
      // no entry for `id`: Meltano adds one, `inclusion: automatic`, so it is always selected
      metadata: [
        { breadcrumb: [], metadata: {} },
        { breadcrumb: ['properties', 'email'], metadata: { inclusion: 'available' } },
      ],
    },
  ],
};

type Md = { breadcrumb: string[]; metadata: Record<string, unknown> };
function selected(catalog: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of (catalog as { streams: { tap_stream_id: string; metadata: Md[]; schema: { properties: Record<string, unknown> } }[] }).streams) {
    const md = (crumb: string[]): Record<string, unknown> => s.metadata.find((m) => m.breadcrumb.join('.') === crumb.join('.'))?.metadata ?? {};
    const on = (m: Record<string, unknown>): boolean => m.inclusion === 'automatic' || (m.inclusion !== 'unsupported' && m.selected === true);
    if (!on(md([]))) continue;
    out[s.tap_stream_id] = Object.keys(s.schema.properties).filter((p) => on(md(['properties', p])));
  }
  return out;
}

describe('meltano: schedules both ways', () => {
  it('a Replication Frequency becomes the nearest calendar cron expression, phased like the last start', () => {
    assert.deepEqual(frequencyToCron(15 * 60_000, null), { interval: '*/15 * * * *', exact: true, note: null });
    assert.deepEqual(frequencyToCron(3_600_000, null), { interval: '0 * * * *', exact: true, note: null });
    const anchored = frequencyToCron(3_600_000, new Date('2026-11-23T19:30:12Z'));
    assert.equal(anchored.interval, '30 * * * *');
    assert.match(anchored.note!, /19:30 UTC/);
    assert.equal(frequencyToCron(15 * 60_000, new Date('2026-11-23T19:37:00Z')).interval, '7,22,37,52 * * * *');
    assert.equal(frequencyToCron(6 * 3_600_000, new Date('2026-11-23T02:05:00Z')).interval, '5 2,8,14,20 * * *');
    const odd = frequencyToCron(45 * 60_000, null);
    assert.equal(odd.exact, false);
    assert.equal(odd.interval, '0 * * * *');
    assert.match(odd.note!, /every 45m has no calendar cron expression.*nearest/);
    assert.equal(frequencyToCron(30_000, null).interval, '* * * * *');
    assert.equal(frequencyToCron(2 * 86_400_000, null).interval, '0 0 * * *');
    for (const ms of [1000, 60_000, 5 * 60_000, 7 * 60_000, 90 * 60_000, 3 * 3_600_000, 86_400_000, 7 * 86_400_000, 40 * 86_400_000]) {
      for (const anchor of [null, new Date('2026-03-05T13:47:00Z')]) {
        const i = frequencyToCron(ms, anchor).interval;
        assert.match(i, MELTANO_INTERVAL, `${ms} ms -> ${i}`);
      }
    }
  });

  it('our cron expressions are rewritten into the forms Meltano\'s schema accepts, or refused with the reason', () => {
    assert.deepEqual(cronToInterval('0 6 * * MON-FRI'), { interval: '0 6 * * 1-5', note: null });
    assert.equal(cronToInterval('0 9 * * 1-5/2').interval, '0 9 * * 1,3,5');
    assert.equal(cronToInterval('0 0 1-5,10 * *').interval, '0 0 1,2,3,4,5,10 * *');
    assert.equal(cronToInterval('0 0 6 * * *').interval, '0 6 * * *');
    assert.equal(cronToInterval('@annually').interval, '@yearly');
    assert.equal(cronToInterval('5 0 6 * * *').interval, null);
    assert.match(cronToInterval('5 0 6 * * *').note!, /second 5/);
    assert.equal(cronToInterval('0 0 L * *').interval, null);
    assert.match(cronToInterval('0 6 * * *', 'Europe/Berlin').note!, /no time zone.*Europe\/Berlin/);
    assert.equal(cronToInterval('0 6 * * *', 'UTC').note, null);
  });

  it('a Meltano interval is imported as a cron schedule in UTC; @once and @manual as none', () => {
    assert.deepEqual(intervalToSchedule('@daily'), { schedule: { kind: 'cron', expression: '@daily', timezone: 'UTC' }, onDemand: false, note: null });
    assert.deepEqual(intervalToSchedule('@midnight').schedule, { kind: 'cron', expression: '@daily', timezone: 'UTC' });
    assert.deepEqual(intervalToSchedule('*/5 * * * *').schedule, { kind: 'cron', expression: '*/5 * * * *', timezone: 'UTC' });
    assert.equal(intervalToSchedule('@once').schedule, null);
    assert.equal(intervalToSchedule('@manual').onDemand, true);
    assert.equal(intervalToSchedule('61 * * * *').schedule, null);
    assert.match(intervalToSchedule('61 * * * *').note!, /minute field/);
  });
});

describe('meltano: stream selection both ways', () => {
  it('select, metadata and select_filter rules are applied as Meltano applies them', () => {
    const out = applyCatalogRules(CATALOG, { select: ['items.*', '!items.blob', 'users.email'], metadata: { users: { 'replication-method': 'FULL_TABLE' } } });
    assert.deepEqual(selected(out), { items: ['id', 'name'], users: ['id', 'email'] });
    const users = (out.streams as { tap_stream_id: string; metadata: Md[] }[]).find((s) => s.tap_stream_id === 'users')!;
    assert.equal(users.metadata.find((m) => m.breadcrumb.length === 0)!.metadata['replication-method'], 'FULL_TABLE');
    // an unsupported property is never selected, and the input is not changed
    assert.deepEqual(selected(applyCatalogRules(CATALOG, { select: ['*.*'] })), { items: ['id', 'name', 'blob'], users: ['id', 'email'] });
    assert.equal(JSON.stringify(CATALOG).includes('"selected"'), false);
    assert.deepEqual(selected(applyCatalogRules(CATALOG, { select: ['*.*'], selectFilter: ['users'] })), { users: ['id', 'email'] });
    assert.deepEqual(selected(applyCatalogRules(CATALOG, {})), { items: ['id', 'name', 'blob'], users: ['id', 'email'] }, 'Meltano selects *.* by default');
  });

  it('export reads a catalog\'s selection back into rules that give the same selection', () => {
    const chosen = applyCatalogRules(CATALOG, { select: ['items.*', '!items.blob'] });
    const rules = selectionRules(chosen);
    assert.deepEqual(rules.select, ['items.*', '!items.blob']);
    assert.deepEqual(rules.metadata, { items: { 'replication-method': 'INCREMENTAL', 'replication-key': 'id' } });
    assert.deepEqual(selected(applyCatalogRules(CATALOG, rules)), selected(chosen));
    const few = applyCatalogRules(CATALOG, { select: ['items.name', 'users.*'] });
    const fewRules = selectionRules(few);
    assert.deepEqual(fewRules.select, ['items.*', '!items.blob', 'users.*']);
    const one = applyCatalogRules(CATALOG, { select: ['users.email'] });
    assert.deepEqual(selectionRules(one).select, ['users.*'], 'id is automatic');
    const props = ['a', 'b', 'c', 'd'];
    const wide = {
      streams: [
        {
          tap_stream_id: 'items',
          schema: { properties: Object.fromEntries(['id', ...props].map((p) => [p, {}])) },
          metadata: [{ breadcrumb: [], metadata: {} }, ...props.map((p) => ({ breadcrumb: ['properties', p], metadata: { inclusion: 'available' } }))],
        },
      ],
    };
    assert.deepEqual(selectionRules(applyCatalogRules(wide, { select: ['items.a'] })).select, ['items.id', 'items.a']);
    assert.deepEqual(selected(applyCatalogRules(CATALOG, fewRules)), selected(few));
  });

  it('a program\'s plugin name comes from the program, or from the script an interpreter runs', () => {
    assert.equal(programName(['tap-github']), 'tap-github');
    assert.equal(programName(['.venv/bin/target-jsonl', '--verbose']), 'target-jsonl');
    assert.equal(programName(['python3', '/x/tap_fixture.py']), 'tap-fixture');
    assert.equal(programName(['python', '-m', 'tap_foo']), 'tap-foo');
  });
});

const PROJECT = `# a hand-written Meltano project
default_environment: dev
environments:
- name: dev
  env:
    OUT_DIR: out-dev
  config:
    plugins:
      loaders:
      - name: target-fixture
        config:
          batch: 2
- name: prod
include_paths:
- ./extract/*.meltano.yml
env:
  PROJECT_WIDE: yes
plugins:
  extractors:
  - name: tap-fixture
    namespace: tap_fixture
    executable: tap-fixture
    capabilities: [catalog, state]
    settings:
    - name: api_key
      sensitive: true
    - name: start_date
      value: '2020-01-01'
    config:
      total: 5
      url: https://\${HOST_NAME}/v1
      nested:
        deep: $MELTANO_PROJECT_ROOT/data
    select: [items.id]
  loaders:
  - name: target-fixture
    namespace: target_fixture
    executable: target-fixture
    config:
      path: \${OUT_DIR}/items.jsonl
  - name: target-other
    namespace: target_other
    pip_url: target-other
  mappers:
  - name: mapper-x
    namespace: mapper_x
  utilities:
  - name: dbt
    namespace: dbt
jobs:
- name: daily
  tasks:
  - tap-fixture target-fixture dbt:run
- name: mapped
  tasks: [tap-fixture mapper-x target-other]
schedules:
- name: every-day
  job: daily
  interval: '@daily'
`;

const INCLUDED = `plugins:
  extractors:
  - name: tap-child
    inherit_from: tap-fixture
    config:
      total: 9
  - name: tap-hub
    variant: meltanolabs
jobs:
- name: child
  tasks: [tap-child target-fixture]
schedules:
- name: hourly-child
  job: child
  interval: 15 * * * *
- name: hub-once
  extractor: tap-hub
  loader: target-other
  transform: skip
  interval: '@once'
`;

describe('meltano: import reads a project as Meltano does', () => {
  it('jobs, schedules, include_paths, inheritance, environments and .env become integrations and a report', () => {
    const ws = tempWorkspace();
    write(ws, 'meltano.yml', PROJECT);
    write(ws, 'extract/more.meltano.yml', INCLUDED);
    write(ws, '.env', 'TAP_FIXTURE_API_KEY=hunter2\nexport HOST_NAME="example.org"\n');
    const engine = new Engine({ workspace: ws.dir });
    const plan = planMeltanoImport(engine.paths, [], { env: { PATH: '', TAP_FIXTURE_START_DATE: 'x' } });
    assert.equal(plan.environment, 'dev');
    const byName = Object.fromEntries(plan.integrations.map((p) => [p.integration.name, p]));
    assert.deepEqual(Object.keys(byName).sort(), ['child', 'daily', 'hub-once']);

    const daily = byName.daily!;
    assert.equal(daily.extractor, 'tap-fixture');
    assert.deepEqual(daily.integration.schedule, { kind: 'cron', expression: '@daily', timezone: 'UTC' });
    assert.equal(daily.integration.paused, true, 'paused unless --resume');
    assert.equal(daily.meltanoStateId, 'dev:tap-fixture-to-target-fixture');
    assert.deepEqual(daily.integration.env, { PROJECT_WIDE: 'yes', OUT_DIR: 'out-dev' });
    const tapConfig = daily.files.find((f) => f.kind === 'tap config')!.value;
    assert.deepEqual(tapConfig, {
      total: 5,
      api_key: { $secret: 'TAP_FIXTURE_API_KEY' },
      start_date: { $secret: 'TAP_FIXTURE_START_DATE' },
      url: { $secret: 'TAP_FIXTURE_URL' },
      nested: { deep: './data' },
    });
    assert.deepEqual(daily.files.find((f) => f.kind === 'target config')!.value, { path: 'out-dev/items.jsonl', batch: 2 });
    assert.deepEqual(daily.secrets, ['TAP_FIXTURE_API_KEY', 'TAP_FIXTURE_START_DATE', 'TAP_FIXTURE_URL']);
    assert.equal(JSON.stringify(plan).includes('hunter2'), false, 'no value from .env is read');
    assert.equal(JSON.stringify(plan).includes('example.org'), false);

    const child = byName.child!;
    assert.deepEqual(child.integration.tap, ['tap-fixture'], 'an inherited plugin runs its parent\'s executable');
    assert.equal((child.files.find((f) => f.kind === 'tap config')!.value as { total: number }).total, 9);
    assert.deepEqual(child.integration.schedule, { kind: 'cron', expression: '15 * * * *', timezone: 'UTC' });
    assert.equal(byName['hub-once']!.integration.paused, true);
    assert.equal(byName['hub-once']!.targetProgram.source, 'missing');

    const text = plan.report.map((l) => `${l.where ?? ''} ${l.message}`).join('\n');
    assert.match(text, /meltano.yml line \d+ job daily: the command dbt:run \(utility\) is not run by the engine/);
    assert.match(
      text,
      /meltano.yml line \d+ job mapped: `meltano run` refuses its tasks "tap-fixture mapper-x target-other" \("Expected unique mappings name not the mapper plugin name: mapper-x\."\), so nothing of it is imported; give mapper-x a mapping \(mappings: \[\{name, config\}\]\) and name that instead/,
    );
    assert.match(text, /not imported, since the engine runs extract-load pipelines \(with their mappers\) only: mapper-x \(mapper, in no imported pipeline\), dbt \(utility\)/);
    assert.match(text, /tap-hub: its definition comes from Meltano's hub and no lock file/);
    assert.match(text, /no catalog for tap-fixture/);
    assert.match(text, /TAP_FIXTURE_URL.*set it to the whole value/);
    assert.match(text, /interval @once runs only when asked/);
  });

  it('a meltano.yml that does not parse, or names an unknown plugin, is refused naming the file and line', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'meltano.yml': 'plugins:\n  extractors:\n  - name: tap-a\n   namespace: x\n' }, /^singer-replication: meltano\.yml line 4: .*not valid YAML; fix it and import again\.\n$/],
      [{ 'meltano.yml': 'plugins:\n  extractors:\n  - name: tap-a\n    namespace: tap_a\njobs:\n- name: j\n  tasks:\n  - tap-a target-b\n' }, /^singer-replication: meltano\.yml line 8: the job "j" runs "target-b", which is no plugin, mapping or job of the project/],
      [
        { 'meltano.yml': 'include_paths: [sub/*.yml]\n', 'sub/s.yml': '# schedules\nschedules:\n- name: s\n  extractor: tap-a\n  loader: target-b\n  transform: skip\n  interval: "@daily"\n' },
        /^singer-replication: sub\/s\.yml line 4: the schedule "s" names the extractor "tap-a", which the project does not define/,
      ],
      [{ 'meltano.yml': 'schedules:\n- name: s\n  job: nope\n  interval: "@daily"\n' }, /meltano\.yml line 3: the schedule "s" runs the job "nope", which the project does not define/],
      [{ 'meltano.yml': 'plugins:\n  extractors:\n  - name: 42\n' }, /meltano\.yml line 3: plugins\.extractors\[0\]\.name is not valid for Meltano/],
      [{ 'meltano.yml': 'plugins:\n  extractors:\n  - name: a\n    namespace: a\n  - name: a\n    namespace: a\n' }, /meltano\.yml line 5: the extractor "a" is defined twice \(first at meltano\.yml line 3\)/],
    ];
    for (const [files, expected] of cases) {
      const ws = tempWorkspace();
      for (const [rel, text] of Object.entries(files)) write(ws, rel, text);
      const r = await cli(ws, 'import-meltano');
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, expected);
      assert.equal(fs.existsSync(ws.file('.singer')), false, 'nothing written');
    }
  });

  it('import-meltano --dry-run writes nothing; a second import skips what exists', async () => {
    const ws = tempWorkspace();
    write(ws, 'meltano.yml', PROJECT);
    write(ws, 'extract/more.meltano.yml', INCLUDED);
    const dry = await cli(ws, 'import-meltano', '--dry-run');
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /would import 3 integrations/);
    assert.equal(fs.existsSync(ws.file('.singer')), false);
    const first = await cli(ws, 'import-meltano', '--json');
    assert.equal(first.code, 0, first.err);
    assert.deepEqual((JSON.parse(first.out) as { added: string[] }).added.sort(), ['child', 'daily', 'hub-once']);
    assert.ok(fs.existsSync(ws.file('.singer/config/daily-tap.json')));
    const list = JSON.parse((await cli(ws, 'list', '--json')).out) as { name: string; paused: boolean }[];
    assert.deepEqual(list.map((i) => [i.name, i.paused]).sort(), [['child', true], ['daily', true], ['hub-once', true]]);
    const again = await cli(ws, 'import-meltano');
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /imported 0 integrations/);
    assert.match(again.out, /an integration named daily already exists/);
  });
});

describe('meltano: export writes and updates meltano.yml', () => {
  async function addDemo(ws: Workspace, name = 'demo', extra: string[] = []): Promise<void> {
    ws.writeJson(`${name}-tap.json`, { total: 5, token: { $secret: 'DEMO_TOKEN' }, 'odd.key': '$HOME and ${X}' });
    ws.writeJson(`${name}-target.json`, { path: ws.file(`${name}.jsonl`) });
    const r = await cli(ws, 'add', name, '--tap', 'tap-fixture', '--target', 'target-fixture', '--tap-config', `${name}-tap.json`, '--target-config', `${name}-target.json`, ...extra);
    assert.equal(r.code, 0, r.err);
  }

  it('keeps the user\'s comments and keys, is idempotent, and guards names it did not write', async () => {
    const ws = tempWorkspace();
    await addDemo(ws, 'demo', ['--frequency', '2h']);
    write(
      ws,
      'mp/meltano.yml',
      '# my project\ndefault_environment: prod\nenvironments:\n  - name: prod   # production\nplugins:\n  extractors:\n    - name: tap-fixture   # mine\n      namespace: mine\n      executable: other\nsend_anonymous_usage_stats: false\n',
    );
    const r = await cli(ws, 'export-meltano', 'demo', '--out', 'mp');
    assert.equal(r.code, 0, r.err);
    const text = fs.readFileSync(ws.file('mp/meltano.yml'), 'utf8');
    assert.match(text, /^# my project\n/);
    assert.match(text, /- name: prod # production/);
    assert.match(text, /- name: tap-fixture # mine\n {6}namespace: mine\n {6}executable: other/, 'the user\'s plugin is left alone');
    assert.match(text, /send_anonymous_usage_stats: false/);
    assert.match(text, /\n {4}- name: tap-fixture--demo\n/, 'ours got another name, in the file\'s indentation');
    assert.match(text, /interval: 0 \*\/2 \* \* \*/);
    assert.match(text, /token: \$\{DEMO_TOKEN\}/);
    assert.match(text, /odd\\\.key: \\\$HOME and \\\$\{X\}/, 'dots in keys and $ in values are escaped for Meltano');
    assert.match(r.out, /environment prod/);

    const again = await cli(ws, 'export-meltano', 'demo', '--out', 'mp');
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /nothing changed/);
    assert.equal(fs.readFileSync(ws.file('mp/meltano.yml'), 'utf8'), text);

    // paused: the schedule export wrote goes; the job stays
    assert.equal((await cli(ws, 'pause', 'demo')).code, 0);
    assert.equal((await cli(ws, 'export-meltano', 'demo', '--out', 'mp')).code, 0);
    const paused = fs.readFileSync(ws.file('mp/meltano.yml'), 'utf8');
    assert.doesNotMatch(paused, /interval:/);
    assert.match(paused, /tasks:\n {6}- tap-fixture--demo target-fixture/);
    assert.equal((await cli(ws, 'resume', 'demo')).code, 0);
    assert.equal((await cli(ws, 'export-meltano', 'demo', '--out', 'mp')).code, 0);

    // a job of the same name that export did not write is the user's: refused with its line
    fs.writeFileSync(ws.file('mp/meltano.yml'), text.replace('\njobs:\n', '\njobs:\n  - name: other\n    tasks: [a b]\n'));
    await addDemo(ws, 'other');
    const before = fs.readFileSync(ws.file('mp/meltano.yml'), 'utf8');
    const clash = await cli(ws, 'export-meltano', 'other', '--out', 'mp');
    assert.equal(clash.code, 2);
    assert.match(clash.err, /: mp\/meltano\.yml line \d+: there already is a job named other that export-meltano did not write/);
    assert.equal(fs.readFileSync(ws.file('mp/meltano.yml'), 'utf8'), before);
  });

  it('never overwrites a meltano.yml it cannot parse, and never writes a secret value', async () => {
    const ws = tempWorkspace();
    await addDemo(ws);
    const broken = 'plugins:\n  extractors: [\n';
    write(ws, 'bad/meltano.yml', broken);
    const r = await cli(ws, 'export-meltano', 'demo', '--out', 'bad');
    assert.equal(r.code, 2);
    assert.match(r.err, /^singer-replication: bad\/meltano\.yml line \d+: .*not valid YAML; export leaves meltano\.yml as it is/);
    assert.deepEqual(fs.readdirSync(ws.file('bad')), ['meltano.yml']);
    assert.equal(fs.readFileSync(ws.file('bad/meltano.yml'), 'utf8'), broken);

    process.env.SINGER_SECRET_DEMO_TOKEN = 'p4ssw0rd-never-written';
    try {
      const ok = await cli(ws, 'export-meltano', 'demo', '--out', 'good');
      assert.equal(ok.code, 0, ok.err);
    } finally {
      delete process.env.SINGER_SECRET_DEMO_TOKEN;
    }
    const all = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const f of all(ws.file('good'))) assert.equal(fs.readFileSync(f, 'utf8').includes('p4ssw0rd'), false, f);
    assert.match(fs.readFileSync(ws.file('good/.env.example'), 'utf8'), /# demo: tap config token\nDEMO_TOKEN=\n/);
  });

  it('a command with arguments runs through a script; --pip-url makes the plugin installable', async () => {
    const ws = tempWorkspace();
    ws.writeJson('t.json', { total: 1 });
    ws.writeJson('g.json', { path: 'x' });
    assert.equal((await cli(ws, 'add', 'py', '--tap', TAP, '--target', TARGET, '--tap-config', 't.json', '--target-config', 'g.json', '--paused')).code, 0);
    const r = await cli(ws, 'export-meltano', 'py', '--out', 'mp', '--pip-url', 'target-fixture=target-fixture==1.0', '--json');
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out) as { integrations: { schedule: unknown; extractor: string }[]; report: { message: string }[] };
    assert.equal(result.integrations[0]!.schedule, null, 'paused: no schedule');
    const script = ws.file('mp/bin/tap-fixture');
    assert.equal(fs.readFileSync(script, 'utf8'), `#!/bin/sh\n# Written by singer-replication export-meltano: Meltano runs an executable without arguments of its own.\nexec python3 ${path.join(FIXTURES, 'tap_fixture.py')} "$@"\n`);
    assert.equal(fs.statSync(script).mode & 0o111, 0o111);
    const text = fs.readFileSync(ws.file('mp/meltano.yml'), 'utf8');
    assert.match(text, /executable: bin\/tap-fixture/);
    assert.match(text, /- name: target-fixture\n {4}namespace: target_fixture\n {4}executable: python3\n {4}pip_url: target-fixture==1\.0/);
    assert.ok(result.report.some((l) => /arguments .* are dropped/.test(l.message)));
    const bad = await cli(ws, 'export-meltano', 'py', '--out', 'mp', '--pip-url', 'nope=x');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /no exported plugin or program is called nope/);
  });

  it('both verbs have --help and refuse bad arguments', async () => {
    const ws = tempWorkspace();
    for (const c of ['import-meltano', 'export-meltano']) {
      const h = await cli(ws, c, '--help');
      assert.equal(h.code, 0);
      assert.match(h.out, new RegExp(`Usage: singer-replication ${c}`));
    }
    assert.match((await cli(ws, '--help')).out, /export-meltano NAME\.\.\. --out DIR/);
    assert.match((await cli(ws, 'export-meltano', 'x')).err, /needs --out DIR/);
    assert.match((await cli(ws, 'export-meltano', 'x', '--out', 'o')).err, /no integration named "x"/);
    assert.match((await cli(ws, 'export-meltano', 'x', '--out', 'o', '--pip-url', 'bad')).err, /not of the form NAME=URL/);
    assert.match((await cli(ws, 'import-meltano')).err, /holds no meltano\.yml/);
  });
});
