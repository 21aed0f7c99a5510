/** The removals a job makes as it starts (src/core/removeFile.ts): as fs.rmSync with `force`, without its rimraf. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeFile, removeFolderOfFiles } from '../../src/core/removeFile';

describe('removing what a job leaves as it starts', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'singer-remove-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a file, one already gone, and not a folder', () => {
    const f = path.join(dir, 'lock');
    fs.writeFileSync(f, '1');
    removeFile(f);
    assert.ok(!fs.existsSync(f));
    removeFile(f);
    assert.throws(() => removeFile(dir), (err: NodeJS.ErrnoException) => err.code === 'EISDIR' || err.code === 'EPERM');
    assert.ok(fs.existsSync(dir));
  });

  it('a folder of files, one already gone, and one that holds a folder', () => {
    const sockets = path.join(dir, 'singer-tap-x');
    fs.mkdirSync(sockets);
    fs.writeFileSync(path.join(sockets, 'out.sock'), '');
    removeFolderOfFiles(sockets);
    assert.ok(!fs.existsSync(sockets));
    removeFolderOfFiles(sockets);
    const nested = path.join(dir, 'nested');
    fs.mkdirSync(path.join(nested, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(nested, 'sub', 'f'), '');
    fs.writeFileSync(path.join(nested, 'g'), '');
    removeFolderOfFiles(nested);
    assert.ok(!fs.existsSync(nested));
  });
});
