/** `run`'s live progress line: drawn only on a terminal, redrawn in place, gone before the summary. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { formatProgress, ProgressLine } from '../../src/cli/progressLine';
import { addFixture, CLI_JS, cliSync, tempWorkspace } from './helpers/workspace';

const ESC = '\x1b';

describe('the progress line of `run`', () => {
  it('says records per stream, the rate and the elapsed time', () => {
    assert.equal(formatProgress({ events: 1 }, 400), '1 record · 0:00');
    assert.equal(formatProgress({ users: 10_000, orders: 2_345 }, 75_000), '12,345 records (users 10,000, orders 2,345) · 165/s · 1:15');
    assert.equal(formatProgress({}, 3_000), '0 records · 0/s · 0:03');
  });

  it('is redrawn in place, cut to the terminal width, and cleared only when it was drawn', () => {
    const written: string[] = [];
    const line = new ProgressLine({ write: (t) => written.push(t), columns: 20 }, 0, () => 2_000);
    line.clear();
    assert.equal(written.length, 0, 'nothing to clear before the first draw');
    line.update({ a: 5, b: 7 });
    assert.equal(written[0], `\r${ESC}[K12 records (a 5, b…`);
    assert.ok(written[0]!.length - 4 <= 19, 'never as wide as the terminal (a wrapped line cannot be redrawn)');
    line.clear();
    line.clear();
    assert.deepEqual(written.slice(1), [`\r${ESC}[K`]);
  });

  it('shows on a real terminal while a job runs, and never when stderr is not one', async function () {
    this.timeout(60_000);
    const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
    if (probe.error) throw new Error('`script` (util-linux, Debian package bsdutils) is needed to give the CLI a terminal; install it with apt-get.');
    const ws = tempWorkspace();
    await addFixture(ws, 'p', { total: 40, sleep: 0.05 });

    // `script` runs the CLI on a pseudo-terminal, as a person's shell would.
    const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
    const r = spawnSync('script', ['-qec', `${q(process.execPath)} ${q(CLI_JS)} --workspace ${q(ws.dir)} run p`, '/dev/null'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const screen = r.stdout;
    assert.match(screen, /\r\x1b\[K\d+ records · (\d+\/s · )?0:0\d/, 'a progress line was drawn');
    assert.match(screen, /\r\x1b\[Kjob 000001 of p Succeeded: 40 records/, 'the summary starts on a cleared line');

    const plain = cliSync(ws, 'run', 'p');
    assert.equal(plain.code, 0);
    assert.ok(!plain.err.includes(ESC), `no escape codes when stderr is not a terminal: ${JSON.stringify(plain.err)}`);
  });
});
