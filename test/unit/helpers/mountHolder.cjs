// Runs inside `unshare --mount` (a private mount namespace, so nothing outside sees the mount and it
// goes away with this process): mounts what the test asks for, says "ready", and holds the namespace
// until its stdin closes. Commands then run in it through `nsenter --target PID --mount`.
//   {"kind": "tmpfs", "dir": D, "size": "1m"}  a small file system on D, with D's files copied onto it
//   {"kind": "read-only", "dir": D}            D bind-mounted on itself, read-only
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function run(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.error || `exit ${r.status}`}`);
}

function snapshot(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out.push({ path: p, dir: true });
        walk(p);
      } else if (e.isFile()) out.push({ path: p, data: fs.readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

try {
  const spec = JSON.parse(process.argv[2]);
  if (spec.kind === 'tmpfs') {
    const files = snapshot(spec.dir);
    run(['mount', '-t', 'tmpfs', '-o', `size=${spec.size},mode=0755`, 'tmpfs', spec.dir]);
    for (const f of files) {
      if (f.dir) fs.mkdirSync(f.path, { recursive: true });
      else fs.writeFileSync(f.path, f.data);
    }
  } else if (spec.kind === 'read-only') {
    run(['mount', '--bind', spec.dir, spec.dir]);
    run(['mount', '-o', 'remount,bind,ro', spec.dir]);
  } else {
    throw new Error(`unknown kind ${spec.kind}`);
  }
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} catch (err) {
  process.stdout.write(`failed: ${err.message}\n`);
  process.exit(1);
}
