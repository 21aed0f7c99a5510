/**
 * Typed secrets (DESIGN §5): `{"$secret": NAME, "kind": KIND}` converted at run time as Meltano converts
 * a setting of that kind read from the environment (meltano/core/setting_definition.py `cast_value`),
 * and a value that does not convert refusing the run with exit 2 before anything is spawned.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { convertByKind, kindOfMeltanoSetting } from '../../src/core/settingKinds';
import { isSecretRef, secretNamesIn } from '../../src/core/secrets';
import { cli, TAP, TARGET, tempWorkspace, type Workspace } from './helpers/workspace';

function ok(text: string, kind: Parameters<typeof convertByKind>[1]): unknown {
  const r = convertByKind(text, kind);
  assert.ok(r.ok, `${JSON.stringify(text)} as ${kind}: ${r.ok ? '' : r.reason}`);
  return r.value;
}

function refused(text: string, kind: Parameters<typeof convertByKind>[1]): string {
  const r = convertByKind(text, kind);
  assert.equal(r.ok, false, `${JSON.stringify(text)} as ${kind} converted to ${JSON.stringify(r.ok && r.value)}`);
  return r.ok ? '' : r.reason;
}

function withSecrets<T>(values: Record<string, string>, f: () => Promise<T>): Promise<T> {
  for (const [k, v] of Object.entries(values)) process.env[`SINGER_SECRET_${k}`] = v;
  return f().finally(() => {
    for (const k of Object.keys(values)) delete process.env[`SINGER_SECRET_${k}`];
  });
}

describe('typed secrets: conversion by kind, as Meltano converts', () => {
  it('integers as Python int() reads them; nothing else', () => {
    assert.equal(ok('5432', 'integer'), 5432);
    assert.equal(ok(' 5432\n', 'integer'), 5432);
    assert.equal(ok('+4_2', 'integer'), 42);
    assert.equal(ok('-7', 'integer'), -7);
    assert.match(refused('5432.0', 'integer'), /not a whole number/);
    assert.match(refused('54x', 'integer'), /not a whole number/);
    assert.match(refused('', 'integer'), /not a whole number/);
    assert.match(refused('1_', 'integer'), /not a whole number/);
    assert.match(refused('123456789012345678901', 'integer'), /too large to be passed exactly/);
  });

  it('numbers as Decimal() reads them, but only finite ones (JSON has no NaN)', () => {
    assert.equal(ok('1.5', 'number'), 1.5);
    assert.equal(ok(' .5 ', 'number'), 0.5);
    assert.equal(ok('1e3', 'number'), 1000);
    assert.equal(ok('-2.', 'number'), -2);
    assert.match(refused('NaN', 'number'), /no infinite or not-a-number/);
    assert.match(refused('Infinity', 'number'), /no infinite or not-a-number/);
    assert.match(refused('1,5', 'number'), /not a number/);
  });

  it('booleans: true only for Meltano\'s truthy words, whatever their case; anything else is false', () => {
    for (const t of ['true', 'TRUE', 'True', '1', 'yes', 'Yes', 'on', 'ON']) assert.equal(ok(t, 'boolean'), true, t);
    for (const f of ['false', 'False', '0', 'no', 'off', '', 'nope', ' true']) assert.equal(ok(f, 'boolean'), false, JSON.stringify(f));
  });

  it('arrays and objects as JSON, else as a Python literal; a string is a sequence of characters', () => {
    assert.deepEqual(ok('["a", "b"]', 'array'), ['a', 'b']);
    assert.deepEqual(ok("['a', 'b']", 'array'), ['a', 'b']);
    assert.deepEqual(ok("('a', 1, True, None)", 'array'), ['a', 1, true, null]);
    assert.deepEqual(ok('"ab"', 'array'), ['a', 'b']);
    assert.match(refused('{"a": 1}', 'array'), /not an array/);
    assert.match(refused('a, b', 'array'), /neither JSON nor a Python literal/);
    assert.deepEqual(ok('{"a": {"b": [1, 2]}}', 'object'), { a: { b: [1, 2] } });
    assert.deepEqual(ok("{'a': True, 'b': None, 1: 'x\\'y'}", 'object'), { a: true, b: null, 1: "x'y" });
    assert.match(refused('[1]', 'object'), /not an object/);
    assert.equal(ok('anything at all', 'string'), 'anything at all');
  });

  it('Meltano\'s kinds map to ours: decimal is number; text kinds carry none', () => {
    assert.equal(kindOfMeltanoSetting('integer'), 'integer');
    assert.equal(kindOfMeltanoSetting('decimal'), 'number');
    assert.equal(kindOfMeltanoSetting('boolean'), 'boolean');
    for (const k of ['string', 'password', 'options', 'date_iso8601', 'email', undefined]) assert.equal(kindOfMeltanoSetting(k), null);
  });

  it('a reference with a kind is still a secret reference; other objects are not', () => {
    assert.ok(isSecretRef({ $secret: 'A', kind: 'integer' }));
    assert.ok(isSecretRef({ $secret: 'A' }));
    assert.equal(isSecretRef({ $secret: 'A', other: 1 }), false);
    assert.equal(isSecretRef({ $secret: 'A', kind: 3 }), false);
    assert.deepEqual([...secretNamesIn({ a: { $secret: 'A', kind: 'boolean' }, b: [{ $secret: 'B' }] })].sort(), ['A', 'B']);
  });
});

describe('typed secrets: a job', function () {
  this.timeout(60_000);

  async function addTyped(ws: Workspace, name: string, tapConfig: Record<string, unknown>): Promise<void> {
    ws.writeJson(`${name}-tap.json`, { total: 3, config_file: ws.file(`${name}-seen.json`), ...tapConfig });
    ws.writeJson(`${name}-target.json`, { path: ws.file(`${name}-out.jsonl`) });
    const r = await cli(ws, 'add', name, '--tap', TAP, '--target', TARGET, '--tap-config', `${name}-tap.json`, '--target-config', `${name}-target.json`);
    assert.equal(r.code, 0, r.err);
  }

  it('the tap gets an integer and a boolean, not "5432" and "false" (which a Python tap reads as true)', async () => {
    const ws = tempWorkspace();
    await addTyped(ws, 'typed', { port: { $secret: 'DB_PORT', kind: 'integer' }, ssl: { $secret: 'DB_SSL', kind: 'boolean' } });
    const r = await withSecrets({ DB_PORT: '5432', DB_SSL: 'false' }, () => cli(ws, 'run', 'typed'));
    assert.equal(r.code, 0, r.err + (await cli(ws, 'log', 'typed')).out);
    const seen = JSON.parse(fs.readFileSync(ws.file('typed-seen.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(seen.port, 5432);
    assert.equal(seen.ssl, false);
    assert.equal(ws.readLines('typed-out.jsonl').length, 3);
    // Numbers and flags are not redacted: the log keeps its "3 records" and exit codes.
    assert.match((await cli(ws, 'log', 'typed')).out, /3 records in all; tap exit code 0, target exit code 0/);
  });

  it('without a kind the value stays text, and a tap that validates its config refuses it', async () => {
    const ws = tempWorkspace();
    await addTyped(ws, 'text', { port: { $secret: 'DB_PORT' } });
    const r = await withSecrets({ DB_PORT: '5432' }, () => cli(ws, 'run', 'text'));
    assert.equal(r.code, 1);
    const [job] = JSON.parse((await cli(ws, 'jobs', 'text', '--json')).out) as { error: string }[];
    // The tap's complaint says why; the value itself is a secret, so the error shows it redacted (rule 16).
    assert.match(job!.error, /'\*\*\*' is not of type 'int' \(port\)/);
    assert.doesNotMatch(job!.error, /5432/);
  });

  it('a value that does not convert refuses the run (exit 2) before anything is spawned, without repeating the value', async () => {
    const ws = tempWorkspace();
    await addTyped(ws, 'bad', { port: { $secret: 'DB_PORT', kind: 'integer' } });
    const r = await withSecrets({ DB_PORT: 'fifty-four-32' }, () => cli(ws, 'run', 'bad'));
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /the tap config of bad takes the secret "DB_PORT" as a whole number such as 5432 \(kind integer\), but its value is not one \(it is not a whole number\): set SINGER_SECRET_DB_PORT \(in VS Code: "Singer: Set Secret"\) to such a value\./,
    );
    assert.doesNotMatch(r.err, /fifty/);
    assert.deepEqual(JSON.parse((await cli(ws, 'jobs', 'bad', '--json')).out), []);
    assert.equal(fs.existsSync(ws.file('bad-seen.json')), false, 'the tap never ran');

    ws.writeJson('bad-tap.json', { port: { $secret: 'DB_PORT', kind: 'int' } });
    const kind = await withSecrets({ DB_PORT: '1' }, () => cli(ws, 'run', 'bad'));
    assert.equal(kind.code, 2);
    assert.match(kind.err, /gives the secret "DB_PORT" the kind "int", which is none of string, integer, number, boolean, array, object: fix the kind in the config file\./);
  });

  it('export-meltano writes the kind into the setting, so Meltano converts it the same way', async () => {
    const ws = tempWorkspace();
    await addTyped(ws, 'ex', { port: { $secret: 'DB_PORT', kind: 'integer' }, ratio: { $secret: 'RATIO', kind: 'number' }, name: { $secret: 'DB_NAME' } });
    const r = await cli(ws, 'export-meltano', 'ex', '--out', 'mp');
    assert.equal(r.code, 0, r.err);
    const yml = fs.readFileSync(ws.file('mp/meltano.yml'), 'utf8');
    assert.match(yml, /- name: port\n\s+kind: integer\n\s+sensitive: true/);
    assert.match(yml, /- name: ratio\n\s+sensitive: true/);
    assert.match(yml, /- name: name\n\s+sensitive: true/);
    assert.match(yml, /port: \$\{DB_PORT\}/);
    assert.match(r.out, /Meltano passes the secret RATIO as text, since it cannot convert a decimal setting read from the environment/);
  });
});
