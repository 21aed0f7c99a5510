/**
 * Import without Meltano (issue 17): how jobs with mappers are read as `meltano run` reads them (and
 * refused where it refuses them), setting kinds from the inline settings, a lock file or nowhere, and
 * what the report says. The runs under a real `meltano` are in meltanoFaults.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/core/engine';
import { planMeltanoImport, type MeltanoImportPlan } from '../../src/core/meltano';
import { cli, FIXTURES, TAP, TARGET, tempWorkspace, type Workspace } from './helpers/workspace';

function write(ws: Workspace, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(ws.file(rel)), { recursive: true });
  fs.writeFileSync(ws.file(rel), text);
}

const PLUGINS = `default_environment: dev
environments:
- name: dev
  config:
    plugins:
      mappers:
      - name: mapper-x
        config:
          from_environment: yes
plugins:
  extractors:
  - name: tap-a
    namespace: tap_a
  - name: tap-b
    namespace: tap_b
  loaders:
  - name: target-c
    namespace: target_c
  mappers:
  - name: mapper-x
    namespace: mapper_x
    settings:
    - name: level
      value: 3
    mappings:
    - name: hide
      config:
        drop: [email]
  - name: mapper-y
    namespace: mapper_y
    mappings:
    - name: also-hide
  utilities:
  - name: dbt
    namespace: dbt
`;

function plan(ws: Workspace, jobs: string, env: NodeJS.ProcessEnv = { PATH: '' }): MeltanoImportPlan & { text: string } {
  write(ws, 'meltano.yml', PLUGINS + jobs);
  const p = planMeltanoImport(new Engine({ workspace: ws.dir }).paths, [], { env });
  return { ...p, text: p.report.map((l) => `${l.level}: ${l.where ?? ''} ${l.integration ?? ''} ${l.message}`).join('\n') };
}

describe('meltano import: jobs with mappers, as meltano run reads them', () => {
  it('a mapping becomes a stage with its config over the mapper\'s settings and the environment\'s overrides', () => {
    const ws = tempWorkspace();
    const p = plan(ws, 'jobs:\n- name: j\n  tasks: [tap-a hide target-c, dbt:run]\n');
    assert.deepEqual(p.integrations.map((i) => i.integration.name), ['j', 'tap-b-to-target-c']);
    const j = p.integrations[0]!;
    assert.deepEqual(j.mappers.map((m) => [m.name, m.plugin, m.mapping]), [['hide', 'mapper-x', 'hide']]);
    assert.deepEqual(j.integration.mappers, [{ name: 'hide', command: ['mapper-x'], config: '.singer/config/j-mapper-1.json' }]);
    assert.deepEqual(j.files.find((f) => f.kind === 'mapper config')!.value, { level: 3, from_environment: 'yes', drop: ['email'] });
    assert.match(p.text, /job j: the command dbt:run \(utility\) is not run by the engine/);
    assert.match(p.text, /not imported, since the engine runs extract-load pipelines \(with their mappers\) only: mapper-y \(mapper, in no imported pipeline\), dbt \(utility\)/);
  });

  it('a job meltano run refuses is listed with its reason and nothing of it is imported, nor its extractor by the lone-extractor rule', () => {
    const cases: Array<[string, RegExp]> = [
      ['[tap-a hide]', /job j: `meltano run` refuses its tasks "tap-a hide" \("Loader missing in block set!"\), so nothing of it is imported; give tap-a a loader after it/],
      ['[tap-a tap-b target-c]', /\("Unknown command type or bad block sequence at index 1, starting block 'tap-a'"\)/],
      ['[tap-a target-c, hide target-c]', /\("Unknown command type or bad block sequence at index 3, starting block 'mapper-x'"\)/],
      ['[tap-a mapper-x target-c]', /\("Expected unique mappings name not the mapper plugin name: mapper-x\."\), so nothing of it is imported; name one of mapper-x's mappings instead \(hide\)/],
    ];
    for (const [tasks, expected] of cases) {
      const ws = tempWorkspace();
      const p = plan(ws, `jobs:\n- name: j\n  tasks: ${tasks}\nschedules:\n- name: s\n  job: j\n  interval: '@hourly'\n`);
      assert.match(p.text, expected, tasks);
      assert.match(p.text, /schedule s runs job j, which `meltano run` refuses \(see the job above\); not imported/, tasks);
      assert.ok(!p.integrations.some((i) => i.extractor === 'tap-a'), `${tasks}: tap-a imported anyway`);
      assert.doesNotMatch(p.text, /in no job/);
    }
    // A set that does not start the job may name the mapper plugin: meltano run compares the name with
    // the block at the set's own offset, so it runs the mapper with the plugin's config.
    const ws = tempWorkspace();
    const p = plan(ws, 'jobs:\n- name: j\n  tasks: [tap-b target-c, tap-a mapper-x target-c]\n');
    const a = p.integrations.find((i) => i.extractor === 'tap-a')!;
    assert.deepEqual(a.mappers.map((m) => [m.name, m.mapping]), [['mapper-x', null]]);
    assert.deepEqual(a.files.find((f) => f.kind === 'mapper config')!.value, { level: 3, from_environment: 'yes' });
  });

  it('a mapping two mappers define is refused as Meltano refuses it; an unknown name refuses the import with file and line', async () => {
    const amb = tempWorkspace();
    write(amb, 'meltano.yml', PLUGINS.replace('    - name: also-hide', '    - name: hide') + 'jobs:\n- name: j\n  tasks: [tap-a hide target-c]\n');
    const refused = planMeltanoImport(new Engine({ workspace: amb.dir }).paths, [], { env: { PATH: '' } });
    assert.deepEqual(refused.integrations.map((i) => i.extractor), ['tap-b']);
    assert.match(refused.report.map((l) => l.message).join('\n'), /\("Ambiguous mapping name hide, found multiple matches\."\), so nothing of it is imported; rename the mapping in one of mapper-x, mapper-y/);
    const ws = tempWorkspace();
    write(ws, 'meltano.yml', `${PLUGINS}jobs:\n- name: j\n  tasks: [tap-a twice target-c]\n`);
    const r = await cli(ws, 'import-meltano');
    assert.equal(r.code, 2);
    assert.match(r.err, /meltano\.yml line \d+: the job "j" runs "twice", which is no plugin, mapping or job of the project/);
  });

  it('the same extractor and loader through other mappers is listed, not imported: Meltano keeps one state for the pair', () => {
    const ws = tempWorkspace();
    const p = plan(ws, 'jobs:\n- name: hidden\n  tasks: [tap-a hide target-c]\n- name: plain\n  tasks: [tap-a target-c]\n');
    assert.deepEqual(p.integrations.map((i) => i.integration.name), ['hidden', 'tap-b-to-target-c']);
    assert.match(p.text, /unsupported: .*tap-a -> target-c also runs here, while hidden runs tap-a -> hide -> target-c; Meltano keeps one state for tap-a and target-c, which two integrations cannot share, so this one is not imported/);
  });
});

describe('meltano import: setting kinds', () => {
  it('converts text of a known kind now, and types what comes from the environment for the run', () => {
    const ws = tempWorkspace();
    write(
      ws,
      'meltano.yml',
      `plugins:
  extractors:
  - name: tap-a
    namespace: tap_a
    settings:
    - {name: port, kind: integer}
    - {name: ssl, kind: boolean}
    - {name: tags, kind: array}
    - {name: ratio, kind: decimal}
    - {name: retries, kind: integer}
    - {name: db.timeout, kind: integer}
    - {name: password, kind: password}
    config:
      port: "5432"
      ssl: "yes"
      tags: "['a', 'b']"
      ratio: $RATIO
      retries: three
      db:
        timeout: $TIMEOUT
      password: $PW
  loaders:
  - name: target-c
    namespace: target_c
`,
    );
    write(ws, '.env', 'RATIO=0.5\nTIMEOUT=30\nPW=x\nTAP_A_SSL=on\n');
    const p = planMeltanoImport(new Engine({ workspace: ws.dir }).paths, [], { env: { PATH: '' } });
    const config = p.integrations[0]!.files.find((f) => f.kind === 'tap config')!.value;
    assert.deepEqual(config, {
      port: 5432,
      ssl: { $secret: 'TAP_A_SSL', kind: 'boolean' },
      tags: ['a', 'b'],
      ratio: { $secret: 'RATIO', kind: 'number' },
      retries: 'three',
      db: { timeout: { $secret: 'TIMEOUT', kind: 'integer' } },
      password: { $secret: 'PW' },
    });
    const text = p.report.map((l) => l.message).join('\n');
    assert.match(text, /tap-a setting retries is "three", which is not a whole number such as 5432 as its kind integer requires \(it is not a whole number\); Meltano would refuse to run it, and it is kept as text/);
    assert.match(text, /tap-a setting ratio is a decimal given as text, which Meltano 4\.4\.1 fails on/);
  });

  it('kinds come from a lock file; a plugin only the hub defines gets none, and the report says so', () => {
    const ws = tempWorkspace();
    write(
      ws,
      'meltano.yml',
      'plugins:\n  extractors:\n  - name: tap-locked\n    variant: v\n    config: {port: $PORT}\n  - name: tap-hub\n    variant: v\n    config: {port: $PORT}\n  loaders:\n  - name: target-c\n    namespace: target_c\n',
    );
    write(ws, 'plugins/extractors/tap-locked--v.lock', JSON.stringify({ name: 'tap-locked', namespace: 'tap_locked', variant: 'v', capabilities: ['catalog', 'state'], settings: [{ name: 'port', kind: 'integer' }] }));
    const p = planMeltanoImport(new Engine({ workspace: ws.dir }).paths, [], { env: { PATH: '' } });
    const tapConfig = (ext: string): unknown => p.integrations.find((i) => i.extractor === ext)!.files.find((f) => f.kind === 'tap config')!.value;
    assert.deepEqual(tapConfig('tap-locked'), { port: { $secret: 'PORT', kind: 'integer' } });
    assert.deepEqual(tapConfig('tap-hub'), { port: { $secret: 'PORT' } });
    const text = p.report.map((l) => l.message).join('\n');
    assert.match(text, /the kinds of tap-hub's settings are in its definition on Meltano's hub, which the import does not read: port will reach it as text/);
    assert.doesNotMatch(text, /kinds of tap-locked/);
    // The hub plugin has no catalog cached: the report says what could not be known, not that Meltano ignores rules.
    assert.match(text, /no catalog for tap-hub: whether it takes one is in its definition on Meltano's hub/);
    assert.match(text, /no catalog for tap-locked: it has no catalog file and Meltano has cached none/);
  });
});

describe('export-meltano and mapper stages', () => {
  it('refuses an integration with mappers rather than export it without them', async () => {
    const ws = tempWorkspace();
    ws.writeJson('t.json', {});
    ws.writeJson('g.json', { path: 'x' });
    const add = await cli(ws, 'add', 'm', '--tap', TAP, '--target', TARGET, '--tap-config', 't.json', '--target-config', 'g.json', '--mapper', `python3 ${path.join(FIXTURES, 'mapper_fixture.py')}`);
    assert.equal(add.code, 0, add.err);
    const r = await cli(ws, 'export-meltano', 'm', '--out', 'mp');
    assert.equal(r.code, 2);
    assert.match(r.err, /m runs the mapper stage mapper_fixture, which export-meltano does not write yet, and Meltano would run it without them/);
    assert.equal(fs.existsSync(ws.file('mp')), false, 'nothing written');
  });
});
