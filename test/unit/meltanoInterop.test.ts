/**
 * Meltano interop for real: meltano from PyPI (installed by scripts/setup-python.sh into
 * .venv-test/, linked as .venv-test/bin/meltano) runs the exported project with the fixture tap and
 * target, takes the exported state and resumes from it; and a project made by `meltano init` and
 * `meltano add --custom` is imported and run by the engine. No network: telemetry, version checks
 * and auto-install are off, the plugins are custom (no hub), and the hub URL points at a closed
 * local port so any lookup would fail the test instead of going out.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import { splitCommand } from '../../src/core/argv';
import { fixtureBin, meltano, requireMeltano, withPath } from './helpers/meltano';
import { cli, FIXTURES, REPO, TAP, TARGET, tempWorkspace, type Workspace } from './helpers/workspace';

/** The JSON schema of meltano.yml that the installed meltano package ships. */
function meltanoSchema(): object {
  const lib = path.join(REPO, '.venv-test/isolated/meltano/lib');
  const py = fs.readdirSync(lib).find((d) => d.startsWith('python'));
  const file = py && path.join(lib, py, 'site-packages/meltano/schemas/meltano.schema.json');
  if (!file || !fs.existsSync(file)) throw new Error(`meltano's meltano.schema.json was not found under ${lib}: run \`bash scripts/setup-python.sh\`.`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as object;
}

let validator: ((data: unknown) => boolean) & { errors?: unknown } | undefined;
function assertValid(file: string): void {
  validator ??= new Ajv2020({ strict: false, allErrors: true }).compile(meltanoSchema());
  const data: unknown = parseYaml(fs.readFileSync(file, 'utf8'));
  assert.ok(validator(data), `${file} does not validate against meltano.schema.json: ${JSON.stringify(validator.errors, null, 2)}`);
}

function lines(file: string): { id: number }[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: number }) : [];
}

const CATALOG = {
  streams: [
    {
      tap_stream_id: 'items',
      stream: 'items',
      schema: { type: 'object', properties: { id: { type: 'integer' }, blob: { type: 'string' } } },
      key_properties: ['id'],
      metadata: [
        { breadcrumb: [], metadata: { selected: true, 'replication-method': 'INCREMENTAL', 'replication-key': 'id' } },
        { breadcrumb: ['properties', 'id'], metadata: { inclusion: 'automatic' } },
        { breadcrumb: ['properties', 'blob'], metadata: { inclusion: 'available', selected: false } },
      ],
    },
  ],
};

describe('meltano interop: an exported project runs under meltano', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let restorePath: () => void = () => undefined;
  const mp = (): string => ws.file('mp');
  let stateCommand = '';

  before(async () => {
    requireMeltano();
    ws = tempWorkspace();
    restorePath = withPath(fixtureBin(ws));
    ws.writeJson('catalog.json', CATALOG);
    ws.writeJson('tap.json', { total: 20, state_every: 5, token: { $secret: 'DEMO_TOKEN' }, argv_file: ws.file('argv.json') });
    ws.writeJson('target.json', { path: ws.file('out.jsonl'), batch: 5 });
    const add = await cli(ws, 'add', 'demo', '--tap', 'tap-fixture', '--target', 'target-fixture', '--tap-config', 'tap.json', '--target-config', 'target.json', '--catalog', 'catalog.json', '--frequency', '15m');
    assert.equal(add.code, 0, add.err);
    process.env.SINGER_SECRET_DEMO_TOKEN = 'editor-token-1';
    const run = await cli(ws, 'run', 'demo');
    delete process.env.SINGER_SECRET_DEMO_TOKEN;
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'demo', '--json')).out), { bookmarks: { items: { last_id: 20 } } });
  });

  after(() => restorePath());

  it('exports a meltano.yml that validates against the schema meltano ships, with .env.example and the state', async () => {
    const r = await cli(ws, 'export-meltano', 'demo', '--out', 'mp');
    assert.equal(r.code, 0, r.err);
    assertValid(path.join(mp(), 'meltano.yml'));
    stateCommand = /^ {2}(meltano state set .*)$/m.exec(r.out)?.[1] ?? '';
    assert.equal(stateCommand, 'meltano state set --force dev:tap-fixture-to-target-fixture --input-file state/demo.json');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(mp(), 'state/demo.json'), 'utf8')), { singer_state: { bookmarks: { items: { last_id: 20 } } } });
    assert.match(fs.readFileSync(path.join(mp(), '.env.example'), 'utf8'), /^DEMO_TOKEN=$/m);
    const yml = parseYaml(fs.readFileSync(path.join(mp(), 'meltano.yml'), 'utf8')) as { plugins: { extractors: Record<string, unknown>[] }; schedules: unknown[] };
    assert.deepEqual(yml.plugins.extractors[0]!.select, ['items.*', '!items.blob']);
    assert.deepEqual(yml.plugins.extractors[0]!.metadata, { items: { 'replication-method': 'INCREMENTAL', 'replication-key': 'id' } });
    assert.equal(yml.plugins.extractors[0]!.catalog, 'extract/tap-fixture.catalog.json');
    assert.equal((yml.schedules[0] as { interval: string }).interval.split(' ').length, 5);
    // the user's part: the secret goes to .env, which export never writes
    fs.writeFileSync(path.join(mp(), '.env'), 'DEMO_TOKEN=production-token\n');
  });

  it('meltano state set takes the exported state, and meltano state get shows it', () => {
    meltano(mp(), splitCommand(stateCommand).argv.slice(1));
    const got = JSON.parse(meltano(mp(), ['state', 'get', 'dev:tap-fixture-to-target-fixture']).trim().split('\n').pop()!) as unknown;
    assert.deepEqual(got, { singer_state: { bookmarks: { items: { last_id: 20 } } } });
  });

  it('meltano run resumes where the editor stopped: only new records, with the same config, catalog and the secret from .env', async () => {
    // the tap has more records now; the change is exported again (an update of meltano.yml)
    ws.writeJson('tap.json', { total: 30, state_every: 5, token: { $secret: 'DEMO_TOKEN' }, argv_file: ws.file('argv.json') });
    const r = await cli(ws, 'export-meltano', 'demo', '--out', 'mp');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /an updated meltano\.yml/);
    assertValid(path.join(mp(), 'meltano.yml'));
    const config = JSON.parse(meltano(mp(), ['config', '--unsafe', 'print', 'tap-fixture'])) as Record<string, unknown>;
    assert.deepEqual(config, { total: 30, state_every: 5, token: 'production-token', argv_file: ws.file('argv.json') });

    const before = lines(ws.file('out.jsonl')).length;
    meltano(mp(), ['run', 'demo']);
    const loaded = lines(ws.file('out.jsonl')).slice(before).map((x) => x.id);
    assert.deepEqual(loaded, [21, 22, 23, 24, 25, 26, 27, 28, 29, 30], 'only the records after the carried-over state');
    const argv = JSON.parse(fs.readFileSync(ws.file('argv.json'), 'utf8')) as string[];
    assert.ok(argv.includes('--state') && argv.includes('--catalog'), argv.join(' '));
    const catalog = JSON.parse(fs.readFileSync(argv[argv.indexOf('--catalog') + 1]!, 'utf8')) as typeof CATALOG;
    assert.deepEqual(catalog.streams[0]!.metadata, CATALOG.streams[0]!.metadata, 'the same catalog, the same selection');
    const got = JSON.parse(meltano(mp(), ['state', 'get', 'dev:tap-fixture-to-target-fixture']).trim().split('\n').pop()!) as unknown;
    assert.deepEqual(got, { singer_state: { bookmarks: { items: { last_id: 30 } } } });
  });

  it('every other shape of integration exports to a meltano.yml that validates', async () => {
    ws.writeJson('t2.json', { total: 1 });
    ws.writeJson('g2.json', { path: ws.file('o2.jsonl') });
    const shapes: [string, string[]][] = [
      ['cron-tz', ['--tap', 'tap-fixture', '--target', 'target-fixture', '--cron', '30 6 * * MON-FRI', '--timezone', 'Europe/Berlin']],
      ['odd-frequency', ['--tap', 'tap-fixture', '--target', 'target-fixture', '--frequency', '45m']],
      ['default', ['--tap', 'tap-fixture', '--target', 'target-fixture']],
      ['paused', ['--tap', 'tap-fixture', '--target', 'target-fixture', '--paused', '--env', 'FOO=$bar']],
      ['by-interpreter', ['--tap', TAP, '--target', TARGET, '--frequency', '6h']],
    ];
    for (const [name, args] of shapes) {
      const r = await cli(ws, 'add', name, ...args, '--tap-config', 't2.json', '--target-config', 'g2.json');
      assert.equal(r.code, 0, r.err);
    }
    const r = await cli(ws, 'export-meltano', ...shapes.map((s) => s[0]), 'demo', '--out', 'mp2', '--pip-url', 'target-fixture=target-fixture==0.1');
    assert.equal(r.code, 0, r.err);
    assertValid(ws.file('mp2/meltano.yml'));
    assert.match(r.out, /no time zone/);
    assert.match(r.out, /every 45m has no calendar cron expression/);
    // exporting into the project made before keeps it valid, too
    const more = await cli(ws, 'export-meltano', 'cron-tz', '--out', 'mp');
    assert.equal(more.code, 0, more.err);
    assertValid(path.join(mp(), 'meltano.yml'));
    meltano(mp(), ['schedule', 'list']);
    // and so does exporting into a hand-written project whose names are taken
    fs.mkdirSync(ws.file('mp3'));
    fs.writeFileSync(
      ws.file('mp3/meltano.yml'),
      '# mine\nenvironments:\n  - name: prod\nplugins:\n  extractors:\n    - name: tap-fixture # not ours\n      namespace: other\n',
    );
    const into = await cli(ws, 'export-meltano', 'default', 'paused', '--out', 'mp3', '--environment', 'prod');
    assert.equal(into.code, 0, into.err);
    assertValid(ws.file('mp3/meltano.yml'));
    assert.match(fs.readFileSync(ws.file('mp3/meltano.yml'), 'utf8'), /^# mine\n[\s\S]*- name: tap-fixture # not ours\n[\s\S]*- name: tap-fixture--default\n/);
  });
});

describe('meltano interop: import a project made by meltano init and meltano add --custom', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let restorePath: () => void = () => undefined;

  before(() => {
    requireMeltano();
    ws = tempWorkspace();
    restorePath = withPath(fixtureBin(ws));
    const mp = ws.file('mp');
    meltano(ws.dir, ['init', 'mp', '--no-usage-stats']);
    // `meltano add --custom` asks for the plugin's definition; the answers go to its prompts in order:
    // namespace, pip_url (default), executable, capabilities, settings.
    meltano(mp, ['add', '--custom', '--no-install', '--plugin-type', 'extractor', 'tap-fixture'], 'tap_fixture\n\ntap-fixture\ncatalog,discover,state\ntotal:integer,api_key:password\n');
    meltano(mp, ['add', '--custom', '--no-install', '--plugin-type', 'loader', 'target-fixture'], 'target_fixture\n\ntarget-fixture\npath\n');
    meltano(mp, ['config', 'set', 'tap-fixture', 'total', '12']);
    meltano(mp, ['config', 'set', 'tap-fixture', 'api_key', 'hunter2']);
    meltano(mp, ['config', 'set', 'target-fixture', 'path', ws.file('imported.jsonl')]);
    meltano(mp, ['config', 'set', 'tap-fixture', '_select', '["items.*", "!items.blob"]']);
    meltano(mp, ['job', 'add', 'nightly', '--tasks', '[tap-fixture target-fixture]']);
    meltano(mp, ['schedule', 'add', 'nightly-at-3', '--job', 'nightly', '--interval', '0 3 * * *']);
    assert.match(fs.readFileSync(path.join(mp, '.env'), 'utf8'), /^TAP_FIXTURE_API_KEY=/m, 'meltano keeps the sensitive setting in .env');
    // What `meltano install` and a discovery would leave, made by hand: installing needs pip and the
    // network, and the fixture tap has no --discover.
    const venvBin = path.join(mp, '.meltano/extractors/tap-fixture/venv/bin');
    fs.mkdirSync(venvBin, { recursive: true });
    fs.symlinkSync(path.join(FIXTURES, 'tap_fixture.py'), path.join(venvBin, 'tap-fixture'));
    const run = path.join(mp, '.meltano/run/tap-fixture');
    fs.mkdirSync(run, { recursive: true });
    const discovered = structuredClone(CATALOG);
    discovered.streams[0]!.metadata = discovered.streams[0]!.metadata.map((m) => ({ breadcrumb: m.breadcrumb, metadata: { inclusion: m.metadata.inclusion ?? 'available' } })) as never;
    fs.writeFileSync(path.join(run, 'tap.properties.json'), JSON.stringify(discovered));
  });

  after(() => restorePath());

  it('imports the job as an integration: Meltano\'s executables, config with the .env value as a secret, selection and schedule', async () => {
    const r = await cli(ws, 'import-meltano', 'mp');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /imported 1 integration from .*mp \(environment dev\)/);
    assert.match(r.out, /tap: {4}mp\/\.meltano\/extractors\/tap-fixture\/venv\/bin\/tap-fixture \(installed by Meltano\)/);
    assert.match(r.out, /target: target-fixture on PATH \(.*\); Meltano has not installed it under \.meltano\//);
    assert.match(r.out, /secrets: SINGER_SECRET_TAP_FIXTURE_API_KEY/);
    const [it] = JSON.parse((await cli(ws, 'list', '--json')).out) as { name: string; paused: boolean; schedule: unknown }[];
    assert.equal(it!.name, 'nightly');
    assert.equal(it!.paused, true);
    assert.equal(it!.schedule, 'cron 0 3 * * * (UTC)');
    assert.deepEqual(JSON.parse(fs.readFileSync(ws.file('.singer/config/nightly-tap.json'), 'utf8')), { total: 12, api_key: { $secret: 'TAP_FIXTURE_API_KEY' } });
    const catalog = JSON.parse(fs.readFileSync(ws.file('.singer/catalogs/nightly.json'), 'utf8')) as typeof CATALOG;
    const md = (crumb: string[]): Record<string, unknown> => catalog.streams[0]!.metadata.find((m) => m.breadcrumb.join('.') === crumb.join('.'))!.metadata;
    assert.equal(md([]).selected, true);
    assert.equal(md(['properties', 'blob']).selected, false);
    const all = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const f of all(ws.file('.singer'))) assert.equal(fs.readFileSync(f, 'utf8').includes('hunter2'), false, `${f} holds the secret value`);
  });

  it('the imported integration runs with the engine', async () => {
    process.env.SINGER_SECRET_TAP_FIXTURE_API_KEY = 'hunter2';
    try {
      const r = await cli(ws, 'run', 'nightly');
      assert.equal(r.code, 0, r.err + (await cli(ws, 'log', 'nightly')).out);
    } finally {
      delete process.env.SINGER_SECRET_TAP_FIXTURE_API_KEY;
    }
    assert.deepEqual(lines(ws.file('imported.jsonl')).map((x) => x.id), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.deepEqual(JSON.parse((await cli(ws, 'state', 'nightly', '--json')).out), { bookmarks: { items: { last_id: 12 } } });
  });
});
