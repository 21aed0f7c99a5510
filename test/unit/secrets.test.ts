/**
 * Secrets (rule 16, issue 16): redacted in every form a program is likely to print them, in the tap's
 * and the target's output and in the job's error; resolved configs never outlive their job, even
 * when the runner is killed; a secret in the target's config; a secret that is not set.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Redactor } from '../../src/core/logfile';
import type { Job } from '../../src/core/model';
import { cli, cliProcess, editDatabase, exitOf, tempWorkspace, waitFor, type Workspace } from './helpers/workspace';

/** The example: a quote, a backslash and a non-ASCII letter; and a space for URL forms. */
const SECRET = 'p"a\\ss-wörd 7/8';

/** How Python programs print it: json.dumps (ASCII by default, and not), nested JSON, repr, URL forms. */
const PYTHON_FORMS = [
  'json.dumps(s)',
  'json.dumps(s, ensure_ascii=False)',
  'json.dumps(json.dumps(s))',
  'json.dumps({"config": json.dumps({"password": s})})',
  'repr(s)',
  'ascii(s)',
  'urllib.parse.quote(s)',
  'urllib.parse.quote(s, safe="")',
  'urllib.parse.quote_plus(s)',
  'urllib.parse.quote(s).lower()',
  '"postgresql://user:" + urllib.parse.quote(s, safe="") + "@db:5432/x"',
];

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Every form the test printed, as the printed bytes (computed by the same Python). */
function formsOf(ws: Workspace): string[] {
  return JSON.parse(fs.readFileSync(ws.file('forms.json'), 'utf8')) as string[];
}

function assertNowhere(ws: Workspace, forms: string[], where: string[]): void {
  for (const f of where) {
    const text = fs.readFileSync(f, 'utf8');
    for (const form of forms) assert.ok(!text.includes(form), `${path.relative(ws.dir, f)} holds the secret as ${form}`);
  }
}

async function withSecrets<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const before = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const k of Object.keys(env)) if (before[k] === undefined) delete process.env[k];
    else process.env[k] = before[k];
  }
}

describe('secrets (rule 16)', function () {
  this.timeout(60_000);

  it('the Redactor catches every form: as is, JSON-escaped (ASCII and not, nested), Python escapes, URL-encoded in either case', () => {
    const r = new Redactor([SECRET]);
    const forms = [
      SECRET,
      JSON.stringify(SECRET),
      JSON.stringify(SECRET).replace(/ö/g, '\\u00f6'),
      JSON.stringify(SECRET).replace(/ö/g, '\\u00F6'),
      JSON.stringify(JSON.stringify(SECRET)),
      encodeURIComponent(SECRET),
      encodeURIComponent(SECRET).toLowerCase(),
      encodeURIComponent(SECRET).replace(/%20/g, '+'),
    ];
    for (const f of forms) assert.doesNotMatch(r.redact(`before ${f} after`), /ss-w|s-w%|ss%2D/i, f);
    assert.equal(r.redact('nothing secret here'), 'nothing secret here');
    assert.equal(new Redactor(['😀key']).redact('"\\ud83d\\ude00key" and 😀key'), '"***" and ***');
  });

  it('what tap and target print, in any form, reaches neither the log nor the job record; the target\'s config secret too', async () => {
    const ws = tempWorkspace();
    // The tap prints the secret in every form on stderr, then fails with it in its error; the target
    // prints its own secret on stderr and stdout.
    fs.writeFileSync(
      ws.file('leaky_tap.py'),
      [
        'import json, sys, urllib.parse',
        'cfg = json.load(open(sys.argv[sys.argv.index("--config") + 1]))',
        's = cfg["password"]',
        `forms = [${PYTHON_FORMS.join(', ')}]`,
        `json.dump(forms, open(${JSON.stringify(ws.file('forms.json'))}, "w"))`,
        'for f in forms: print("INFO connecting with " + f, file=sys.stderr, flush=True)',
        'print(json.dumps({"type": "SCHEMA", "stream": "s", "schema": {}, "key_properties": []}), flush=True)',
        'raise RuntimeError("login failed for password " + json.dumps(s))',
      ].join('\n'),
    );
    fs.writeFileSync(
      ws.file('leaky_target.py'),
      [
        'import json, sys, urllib.parse',
        'cfg = json.load(open(sys.argv[sys.argv.index("--config") + 1]))',
        `json.dump(sys.argv, open(${JSON.stringify(ws.file('target-argv.json'))}, "w"))`,
        's = cfg["token"]',
        'print("WARNING target config " + json.dumps(cfg), file=sys.stderr, flush=True)',
        'print("connecting to https://api?token=" + urllib.parse.quote(s, safe=""), flush=True)',
        'sys.stdin.read()',
      ].join('\n'),
    );
    ws.writeJson('tap.json', { password: { $secret: 'PW' } });
    ws.writeJson('target.json', { token: { $secret: 'TOKEN' } });
    const add = await cli(ws, 'add', 'leaky', '--tap', 'python3 leaky_tap.py', '--tap-config', 'tap.json', '--target', 'python3 leaky_target.py', '--target-config', 'target.json');
    assert.equal(add.code, 0, add.err);
    const token = 'tök"en\\42';
    const run = await withSecrets({ SINGER_SECRET_PW: SECRET, SINGER_SECRET_TOKEN: token }, () => cli(ws, 'run', 'leaky'));
    assert.equal(run.code, 1, run.err);
    const forms = [...formsOf(ws), token, JSON.stringify(token).slice(1, -1), JSON.stringify(token).slice(1, -1).replace('ö', '\\u00f6'), encodeURIComponent(token)];
    const log = (await cli(ws, 'log', 'leaky')).out;
    assert.equal((log.match(/connecting with \S*\*\*\*/g) ?? []).length, PYTHON_FORMS.length, log);
    assert.match(log, /target WARNING target config \{"token": "\*\*\*"\}/);
    assert.match(log, /target INFO stdout: connecting to https:\/\/api\?token=\*\*\*/);
    const [job] = JSON.parse((await cli(ws, 'jobs', 'leaky', '--json')).out) as Job[];
    assert.match(job!.error!, /login failed for password "\*\*\*"/);
    assertNowhere(ws, forms, walk(ws.dir).filter((f) => !f.endsWith('forms.json')));
    assert.ok(!run.err.includes(SECRET) && !run.err.includes(JSON.stringify(SECRET).slice(1, -1)));
    // The target's resolved config was a temp file, deleted with the job.
    const targetArgv = JSON.parse(fs.readFileSync(ws.file('target-argv.json'), 'utf8')) as string[];
    assert.ok(!fs.existsSync(targetArgv[targetArgv.indexOf('--config') + 1]!), 'the target\'s resolved config outlived the job');
  });

  it('a secret missing from the environment (in the target\'s config): exit 2 naming the variable, nothing spawned, nothing left', async () => {
    const ws = tempWorkspace();
    const tmp = ws.file('tmp');
    fs.mkdirSync(tmp);
    ws.writeJson('tap.json', { total: 2, argv_file: ws.file('argv.json') });
    ws.writeJson('target.json', { path: ws.file('out.jsonl'), api_key: { $secret: 'API_KEY' } });
    const fixtures = path.resolve(__dirname, '../fixtures');
    const add = await cli(ws, 'add', 'nokey', '--tap', `python3 ${fixtures}/tap_fixture.py`, '--tap-config', 'tap.json', '--target', `python3 ${fixtures}/target_fixture.py`, '--target-config', 'target.json');
    assert.equal(add.code, 0, add.err);
    const r = await withSecrets({ TMPDIR: tmp }, () => cli(ws, 'run', 'nokey'));
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /the target config of nokey refers to the secret "API_KEY", which is not set\. On the command line set the environment variable SINGER_SECRET_API_KEY/);
    assert.ok(!fs.existsSync(ws.file('argv.json')), 'the tap was started');
    assert.deepEqual(JSON.parse((await cli(ws, 'jobs', 'nokey', '--json')).out), []);
    assert.deepEqual(fs.readdirSync(tmp), [], 'a temp folder was left');
  });

  it('a runner killed mid-job leaves its resolved config (with the secret) behind: reconcile removes it, and a new job removes unrecorded ones', async () => {
    const ws = tempWorkspace();
    const tmp = ws.file('tmp');
    fs.mkdirSync(tmp);
    const fixtures = path.resolve(__dirname, '../fixtures');
    ws.writeJson('tap.json', { total: 1_000_000, sleep: 0.01, password: { $secret: 'PW' }, argv_file: ws.file('argv.json') });
    ws.writeJson('target.json', { path: ws.file('out.jsonl') });
    assert.equal((await cli(ws, 'add', 'killed', '--tap', `python3 ${fixtures}/tap_fixture.py`, '--tap-config', 'tap.json', '--target', `python3 ${fixtures}/target_fixture.py`, '--target-config', 'target.json')).code, 0);
    const holdsSecret = (): string[] => walk(tmp).filter((f) => fs.readFileSync(f, 'utf8').includes(JSON.stringify(SECRET).slice(1, -1)));

    const killRunner = async (): Promise<void> => {
      const run = cliProcess(ws, 'run', 'killed');
      Object.assign(run, {});
      await waitFor('the tap to run', () => fs.existsSync(ws.file('argv.json')));
      run.kill('SIGKILL');
      await exitOf(run);
      fs.rmSync(ws.file('argv.json'));
    };
    process.env.SINGER_SECRET_PW = SECRET;
    process.env.TMPDIR = tmp;
    try {
      await killRunner();
      assert.equal(holdsSecret().length, 1, 'the killed runner left its resolved config');
      const [job] = JSON.parse((await cli(ws, 'jobs', 'killed', '--json')).out) as Job[];
      assert.equal(job!.status, 'Interrupted');
      assert.deepEqual(holdsSecret(), [], 'reconcile left the resolved config with the secret');

      // Killed again, and the record of where its config is lost (as when a runner dies before it records its job):
      await killRunner();
      await editDatabase(ws, (_db, histories) => {
        for (const j of histories.jobs('killed')) j.secretsDir = null;
      });
      assert.equal((await cli(ws, 'jobs', 'killed', '--json')).code, 0);
      assert.equal(holdsSecret().length, 1);
      ws.writeJson('tap.json', { total: 2, password: { $secret: 'PW' } });
      assert.equal((await cli(ws, 'run', 'killed')).code, 0);
      assert.deepEqual(holdsSecret(), [], 'a new job left an old resolved config in place');
      assert.deepEqual(fs.readdirSync(tmp).filter((n) => n.startsWith('singer-killed-')), []);
    } finally {
      delete process.env.SINGER_SECRET_PW;
      delete process.env.TMPDIR;
    }
  });
});
