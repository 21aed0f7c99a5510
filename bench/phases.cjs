// Preloaded into `singer-replication run` by bench/layouts.mjs (node -r) to see where a short job's
// time goes: when Node had started (this file runs before the CLI), when the first program was
// spawned, when the last one exited, and when the process exited. One JSON line on stderr at exit.
const cp = require('node:child_process');
const marks = { node: performance.now(), firstSpawn: null, lastExit: null };
const spawn = cp.spawn;
cp.spawn = function (...args) {
  marks.firstSpawn ??= performance.now();
  const child = spawn.apply(this, args);
  child.on('exit', () => (marks.lastExit = performance.now()));
  return child;
};
process.on('exit', () => process.stderr.write(`BENCH_PHASES ${JSON.stringify({ ...marks, exit: performance.now() })}\n`));
