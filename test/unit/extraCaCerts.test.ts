/**
 * The command's launchers keep NODE_EXTRA_CA_CERTS from the command's own Node, which reads it as it
 * starts on Node 20 (~35 ms here), and the programs it runs get it back (src/cli/extraCaCerts.ts).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { EXTRA_CA_CERTS_ASIDE, restoreExtraCaCerts, SET_EXTRA_CA_CERTS_ASIDE } from '../../src/cli/extraCaCerts';
import { launcherScript } from '../../src/vscode/terminalCli';
import { addFixture, CLI_JS, tempWorkspace } from './helpers/workspace';

/** A file that is not there: Node warns as it reads it, so a warning says this Node read it. */
const MISSING = '/nonexistent/singer-replication-test/extra certs.pem';
const READ_WARNING = /Ignoring extra certs/;

describe('NODE_EXTRA_CA_CERTS and the command', () => {
  it('is put back for the programs, and an environment no launcher touched is left as it is', () => {
    const env: NodeJS.ProcessEnv = { [EXTRA_CA_CERTS_ASIDE]: '/etc/corp.pem', NODE_EXTRA_CA_CERTS: '' };
    restoreExtraCaCerts(env);
    assert.deepEqual(env, { NODE_EXTRA_CA_CERTS: '/etc/corp.pem' });
    const untouched: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/etc/corp.pem', PATH: '/bin' };
    restoreExtraCaCerts(untouched);
    assert.deepEqual(untouched, { NODE_EXTRA_CA_CERTS: '/etc/corp.pem', PATH: '/bin' });
  });

  it('dist/cli.js run as a program: its Node does not read the certificates, and the tap gets the variable as the user set it', async () => {
    const second = fs.readFileSync(CLI_JS, 'utf8').split('\n')[1]!;
    assert.ok(second.includes(SET_EXTRA_CA_CERTS_ASIDE), `dist/cli.js's sh line does not set the variable aside as extraCaCerts.ts does: ${second}`);
    assert.ok(fs.statSync(CLI_JS).mode & 0o100, 'dist/cli.js is not executable');
    const ws = tempWorkspace();
    const envFile = ws.file('tap-env.json');
    await addFixture(ws, 'e', { total: 2, env_file: envFile });
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: MISSING };
    // This Node reads the file as it starts (20) or not until a TLS connection (22.23, 24).
    const readsAtStart = READ_WARNING.test(spawnSync(process.execPath, ['-e', '0'], { env, encoding: 'utf8' }).stderr);
    const r = spawnSync(CLI_JS, ['--workspace', ws.dir, 'run', 'e'], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, READ_WARNING, 'the command’s own Node read NODE_EXTRA_CA_CERTS');
    const tapEnv = JSON.parse(fs.readFileSync(envFile, 'utf8')) as Record<string, string>;
    assert.equal(tapEnv.NODE_EXTRA_CA_CERTS, MISSING);
    assert.equal(tapEnv[EXTRA_CA_CERTS_ASIDE], undefined, 'the launcher’s own variable reached the tap');
    // Run with node itself, as before: the same command, with Node reading the file.
    const plain = spawnSync(process.execPath, [CLI_JS, '--workspace', ws.dir, 'list'], { env, encoding: 'utf8' });
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(READ_WARNING.test(plain.stderr), readsAtStart);
    // Without the variable, the tap has none.
    const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env;
    assert.equal(spawnSync(CLI_JS, ['--workspace', ws.dir, 'run', 'e'], { env: without, encoding: 'utf8' }).status, 0);
    assert.equal((JSON.parse(fs.readFileSync(envFile, 'utf8')) as Record<string, string>).NODE_EXTRA_CA_CERTS, undefined);
  });

  it('the integrated terminal’s launcher sets it aside the same way', () => {
    const ws = tempWorkspace();
    const launcher = ws.file('singer-replication');
    fs.writeFileSync(launcher, launcherScript(process.execPath, CLI_JS), { mode: 0o755 });
    const r = spawnSync(launcher, ['--help'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: MISSING }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /singer-replication/);
    assert.doesNotMatch(r.stderr, READ_WARNING, 'the command’s own Node read NODE_EXTRA_CA_CERTS');
  });
});
