/**
 * Meltano projects as people write them (issue 17): each fault as a small project written here,
 * imported, run by the engine with the fixture programs, and run by `meltano run` (meltano from PyPI,
 * offline; a hub of its own on 127.0.0.1 where the project needs one), loading the same records.
 * The workspace is the Meltano project, so both runs write the same relative output file in turn.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { cli, tempWorkspace, type Workspace } from './helpers/workspace';
import { fixtureBin, localHub, meltanoRun, requireMeltano, takeLines, withPath } from './helpers/meltano';

const ENV = 'version: 1\ndefault_environment: dev\nenvironments:\n- name: dev\nsend_anonymous_usage_stats: false\nproject_id: 00000000-0000-4000-8000-000000000017\n';

function project(ws: Workspace, yaml: string, dotenv?: string): void {
  fs.writeFileSync(ws.file('meltano.yml'), ENV + yaml);
  if (dotenv !== undefined) fs.writeFileSync(ws.file('.env'), dotenv);
}

interface Listed {
  name: string;
  paused: boolean;
  schedule: string;
  mappers: { name: string; command: string[]; config: string }[];
}

async function listed(ws: Workspace): Promise<Listed[]> {
  return JSON.parse((await cli(ws, 'list', '--json')).out) as Listed[];
}

async function engineRun(ws: Workspace, name: string, secrets: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  for (const [k, v] of Object.entries(secrets)) process.env[`SINGER_SECRET_${k}`] = v;
  try {
    const r = await cli(ws, 'run', name);
    assert.equal(r.code, 0, r.err + (await cli(ws, 'log', name)).out);
  } finally {
    for (const k of Object.keys(secrets)) delete process.env[`SINGER_SECRET_${k}`];
  }
  return takeLines(ws.file('out.jsonl'));
}

async function meltanoLoads(ws: Workspace, args: string[], hubUrl?: string): Promise<Record<string, unknown>[]> {
  await meltanoRun(ws.dir, ['run', ...args], hubUrl === undefined ? {} : { hubUrl });
  return takeLines(ws.file('out.jsonl'));
}

const TARGET = `  loaders:
  - name: target-dwh
    namespace: target_dwh
    executable: target-fixture
    config:
      path: out.jsonl
`;

describe('issue 17: Meltano projects as people write them, imported and run as Meltano runs them', function () {
  this.timeout(240_000);
  let restorePath: () => void = () => undefined;
  afterEach(() => restorePath());

  it('fault 1: a job that names a mapping imports as tap | mapper | target, and loads what meltano run loads', async () => {
    requireMeltano();
    const ws = tempWorkspace();
    restorePath = withPath(fixtureBin(ws));
    project(
      ws,
      `plugins:
  extractors:
  - name: tap-a
    namespace: tap_a
    executable: tap-fixture
    capabilities: [state]
    config:
      stream: users
      with_email: true
      total: 8
${TARGET.replace('target-dwh', 'target-b')}  mappers:
  - name: mapper-fixture
    namespace: mapper_fixture
    executable: mapper-fixture
    settings:
    - name: tag
      value: nightly-default
    - name: count
      kind: integer
    config:
      tag: the mapper's own, which a mapping does not get
    mappings:
    - name: hide-ids
      config:
        stream_maps:
          users:
            id: null
        count: "5"
        label: $LABEL
        config_file: seen-mapper.json
jobs:
- name: load-users
  tasks:
  - tap-a hide-ids target-b
`,
      'LABEL=from-dotenv\n',
    );
    const r = await cli(ws, 'import-meltano');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /load-users: tap-a -> hide-ids -> target-b \(job load-users\)/);
    assert.match(r.out, /mapper: mapper-fixture on PATH \(.*\), mapping hide-ids of mapper-fixture/);
    const [it] = await listed(ws);
    assert.deepEqual(it!.mappers, [{ name: 'hide-ids', command: ['mapper-fixture'], config: '.singer/config/load-users-mapper-1.json' }]);
    assert.deepEqual(JSON.parse(fs.readFileSync(ws.file(it!.mappers[0]!.config), 'utf8')), {
      tag: 'nightly-default',
      stream_maps: { users: { id: null } },
      count: '5',
      label: { $secret: 'LABEL' },
      config_file: 'seen-mapper.json',
    });

    const ours = await engineRun(ws, 'load-users', { LABEL: 'from-dotenv' });
    const ourMapperConfig = JSON.parse(fs.readFileSync(ws.file('seen-mapper.json'), 'utf8')) as unknown;
    const theirs = await meltanoLoads(ws, ['load-users']);
    assert.equal(ours.length, 8);
    assert.deepEqual(ours, theirs, 'the engine loads what meltano run loads');
    assert.ok(ours.every((rec) => !('id' in rec)), 'the mapping dropped the ids');
    // The mapper got the config Meltano gives a mapping: its settings' defaults under the mapping's
    // config, expanded but not converted by kind, and not the mapper's own config.
    assert.deepEqual(JSON.parse(fs.readFileSync(ws.file('seen-mapper.json'), 'utf8')), ourMapperConfig);
  });

  it('fault 2: of two extractors the mapped one keeps its mapper and its @daily schedule; the e-mail never reaches the target', async () => {
    requireMeltano();
    const ws = tempWorkspace();
    restorePath = withPath(fixtureBin(ws, { 'meltano-map-transform': 'mapper_fixture.py' }));
    const yaml = (task: string): string => `plugins:
  extractors:
  - name: tap-users
    namespace: tap_users
    executable: tap-fixture
    capabilities: [state]
    config:
      stream: users
      with_email: true
      total: 6
  - name: tap-orders
    namespace: tap_orders
    executable: tap-fixture
    capabilities: [state]
    config:
      stream: orders
      total: 4
${TARGET}  mappers:
  - name: meltano-map-transformer
    namespace: meltano_map_transformer
    executable: meltano-map-transform
    config:
      stream_maps:
        users:
          email: __NULL__
    mappings:
    - name: hide-emails
      config:
        stream_maps:
          users:
            email: null
jobs:
- name: users-daily
  tasks:
  - ${task}
schedules:
- name: users-daily
  job: users-daily
  interval: '@daily'
`;
    project(ws, yaml('tap-users hide-emails target-dwh'));
    const r = await cli(ws, 'import-meltano');
    assert.equal(r.code, 0, r.err);
    const byName = Object.fromEntries((await listed(ws)).map((i) => [i.name, i]));
    assert.deepEqual(Object.keys(byName).sort(), ['tap-orders-to-target-dwh', 'users-daily']);
    assert.equal(byName['users-daily']!.schedule, 'cron @daily (UTC)');
    assert.deepEqual(byName['users-daily']!.mappers.map((m) => m.name), ['hide-emails']);
    assert.deepEqual(byName['tap-orders-to-target-dwh']!.mappers, []);
    assert.doesNotMatch(r.out, /in no job|has no extractor -> loader pipeline|not imported/);

    const ours = await engineRun(ws, 'users-daily');
    assert.deepEqual(ours.map((x) => x.id), [1, 2, 3, 4, 5, 6]);
    assert.ok(ours.every((rec) => !('email' in rec)), 'an e-mail reached the target');
    assert.deepEqual(await meltanoLoads(ws, ['users-daily']), ours);
    const orders = await engineRun(ws, 'tap-orders-to-target-dwh');
    assert.deepEqual(await meltanoLoads(ws, ['tap-orders', 'target-dwh']), orders);
    assert.equal(orders.length, 4);
  });

  it('fault 2, as the issue wrote it: a job that names the mapper plugin itself is listed and not imported, since meltano run refuses it', async () => {
    requireMeltano();
    const ws = tempWorkspace();
    restorePath = withPath(fixtureBin(ws));
    const yaml = (tasks: string): string => `plugins:
  extractors:
  - name: tap-users
    namespace: tap_users
    executable: tap-fixture
    config:
      stream: users
      with_email: true
      total: 5
  - name: tap-orders
    namespace: tap_orders
    executable: tap-fixture
    config:
      stream: orders
      total: 3
${TARGET}  mappers:
  - name: meltano-map-transformer
    namespace: meltano_map_transformer
    executable: mapper-fixture
    config:
      stream_maps:
        users:
          email: __NULL__
jobs:
- name: users-daily
  tasks: ${tasks}
schedules:
- name: users-daily
  job: users-daily
  interval: '@daily'
`;
    project(ws, yaml('[tap-users meltano-map-transformer target-dwh]'));
    const refused = await meltanoRun(ws.dir, ['run', 'users-daily'], { expectOk: false });
    assert.notEqual(refused.code, 0);
    assert.match(refused.out + refused.err, /Expected unique mappings name not the mapper plugin name: meltano-map-transformer/);
    assert.deepEqual(takeLines(ws.file('out.jsonl')), [], 'meltano loaded nothing');

    const r = await cli(ws, 'import-meltano');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual((await listed(ws)).map((i) => i.name), ['tap-orders-to-target-dwh'], 'tap-users is not imported without its mapper');
    assert.match(
      r.out,
      /job users-daily: `meltano run` refuses its tasks "tap-users meltano-map-transformer target-dwh" \("Expected unique mappings name not the mapper plugin name: meltano-map-transformer\."\), so nothing of it is imported; give meltano-map-transformer a mapping/,
    );
    assert.match(r.out, /schedule users-daily runs job users-daily, which `meltano run` refuses \(see the job above\); not imported/);
    assert.doesNotMatch(r.out, /in no job|has no extractor -> loader pipeline/);

    // Where Meltano does accept the plugin's own name (a set that does not start the job), it runs the
    // mapper with the plugin's config: so does the import.
    fs.rmSync(ws.file('.singer'), { recursive: true });
    project(ws, yaml('[tap-orders target-dwh, tap-users meltano-map-transformer target-dwh]'));
    const again = await cli(ws, 'import-meltano');
    assert.equal(again.code, 0, again.err);
    const byName = Object.fromEntries((await listed(ws)).map((i) => [i.name, i]));
    assert.deepEqual(Object.keys(byName).sort(), ['tap-orders-to-target-dwh', 'tap-users-to-target-dwh']);
    assert.deepEqual(byName['tap-users-to-target-dwh']!.mappers.map((m) => m.name), ['meltano-map-transformer']);
    const ours = [...(await engineRun(ws, 'tap-orders-to-target-dwh')), ...(await engineRun(ws, 'tap-users-to-target-dwh'))];
    assert.deepEqual(await meltanoLoads(ws, ['users-daily']), ours);
    assert.equal(ours.length, 8);
    assert.ok(ours.every((rec) => !('email' in rec)));
  });

  it('fault 3: integer and boolean settings from .env reach the tap typed, with their kind from the inline settings or the parent', async () => {
    requireMeltano();
    const ws = tempWorkspace();
    restorePath = withPath(fixtureBin(ws));
    project(
      ws,
      `plugins:
  extractors:
  - name: tap-db
    namespace: tap_db
    executable: tap-fixture
    settings:
    - name: port
      kind: integer
    - name: ssl
      kind: boolean
    config:
      port: $DB_PORT
      ssl: $DB_SSL
      total: 4
      config_file: seen-tap-db.json
  - name: tap-db-replica
    inherit_from: tap-db
    config:
      port: $REPLICA_PORT
      config_file: seen-replica.json
${TARGET}jobs:
- name: primary
  tasks: [tap-db target-dwh]
- name: replica
  tasks: [tap-db-replica target-dwh]
`,
      'DB_PORT=5432\nDB_SSL=false\nREPLICA_PORT=6543\n',
    );
    const r = await cli(ws, 'import-meltano');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(fs.readFileSync(ws.file('.singer/config/primary-tap.json'), 'utf8')), {
      port: { $secret: 'DB_PORT', kind: 'integer' },
      ssl: { $secret: 'DB_SSL', kind: 'boolean' },
      total: 4,
      config_file: 'seen-tap-db.json',
    });
    assert.deepEqual((JSON.parse(fs.readFileSync(ws.file('.singer/config/replica-tap.json'), 'utf8')) as { port: unknown }).port, { $secret: 'REPLICA_PORT', kind: 'integer' });

    const secrets = { DB_PORT: '5432', DB_SSL: 'false', REPLICA_PORT: '6543' };
    const seen = (f: string): unknown => JSON.parse(fs.readFileSync(ws.file(f), 'utf8'));
    const ours = [...(await engineRun(ws, 'primary', secrets)), ...(await engineRun(ws, 'replica', secrets))];
    const ourConfigs = [seen('seen-tap-db.json'), seen('seen-replica.json')];
    assert.deepEqual(ourConfigs.map((c) => [(c as { port: unknown }).port, (c as { ssl: unknown }).ssl]), [[5432, false], [6543, false]]);
    const theirs = [...(await meltanoLoads(ws, ['primary'])), ...(await meltanoLoads(ws, ['replica']))];
    assert.deepEqual(theirs, ours);
    assert.deepEqual([seen('seen-tap-db.json'), seen('seen-replica.json')], ourConfigs, 'the tap got the same config from both');

    // A value that does not convert refuses the run before anything starts (Meltano fails on it too).
    process.env.SINGER_SECRET_DB_PORT = '54 32';
    process.env.SINGER_SECRET_DB_SSL = 'false';
    try {
      const bad = await cli(ws, 'run', 'primary');
      assert.equal(bad.code, 2);
      assert.match(bad.err, /takes the secret "DB_PORT" as a whole number such as 5432 \(kind integer\)/);
    } finally {
      delete process.env.SINGER_SECRET_DB_PORT;
      delete process.env.SINGER_SECRET_DB_SSL;
    }
  });

  it('fault 4: a plugin known only from the hub keeps the catalog Meltano cached, with its select rules; the report says what was assumed', async () => {
    requireMeltano();
    const ws = tempWorkspace();
    restorePath = withPath(fixtureBin(ws, { 'tap-users': 'tap_fixture.py' }));
    const hub = await localHub({
      extractors: [
        {
          name: 'tap-users',
          namespace: 'tap_users',
          variant: 'fixture',
          executable: 'tap-users',
          capabilities: ['catalog', 'discover', 'state'],
          settings: [{ name: 'total', kind: 'integer' }],
        },
      ],
    });
    try {
      project(
        ws,
        `plugins:
  extractors:
  - name: tap-users
    variant: fixture
    config:
      stream: users
      with_email: true
      total: 5
    select:
    - users.id
${TARGET}`,
      );
      // Before Meltano ever ran it, nothing says whether it takes a catalog: the report says so plainly.
      const early = await cli(ws, 'import-meltano', '--dry-run');
      assert.equal(early.code, 0, early.err);
      assert.match(early.out, /no catalog for tap-users: whether it takes one is in its definition on Meltano's hub, which the import does not read, and Meltano has cached no catalog in \.meltano\/run\/tap-users\/; run `meltano run`/);
      assert.match(early.out, /extracts what it extracts by default, not only users\.id/);

      // Meltano discovers, caches the catalog and applies the rules; a project older than lock files has no lock file.
      const theirs = await meltanoLoads(ws, ['tap-users', 'target-dwh'], hub.url);
      assert.ok(hub.requests.some((u) => u.endsWith('/extractors/tap-users--fixture')), 'meltano asked the local hub');
      fs.rmSync(ws.file('plugins'), { recursive: true, force: true });
      assert.ok(fs.existsSync(ws.file('.meltano/run/tap-users/tap.properties.json')));

      const r = await cli(ws, 'import-meltano');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /tap-users: its definition comes from Meltano's hub and no lock file under plugins\/extractors\/ pins it; assumed its executable is "tap-users"/);
      assert.match(r.out, /tap-users's capabilities are in its definition on Meltano's hub, which the import does not read: assumed catalog and state, since Meltano cached a catalog for it/);
      assert.match(r.out, /catalog: the one Meltano cached for tap-users, with its select rules applied/);
      assert.doesNotMatch(r.out, /Meltano ignores its select and metadata rules/);
      const [it] = await listed(ws);
      const ours = await engineRun(ws, it!.name);
      assert.deepEqual(ours, theirs, 'the engine loads what meltano run loads');
      assert.deepEqual(ours, [1, 2, 3, 4, 5].map((id) => ({ id })), 'only the selected property: no e-mail');
    } finally {
      await hub.close();
    }
  });
});
