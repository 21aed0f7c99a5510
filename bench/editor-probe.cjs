// Runs inside the extension host (loaded as `extensionTestsPath` by bench/editor.mjs): a job of the
// bench tap through the extension — the tree view focused and the status bar following it — while
// perf_hooks.monitorEventLoopDelay watches the host's event loop; then the same job through the CLI,
// alternated. Prints one `BENCH_RESULT {json}` line and settles.
const vscode = require('vscode');
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const RUN_TIME = /tap and target ran for ([\d.]+) s/;

exports.run = async function run() {
  const records = Number(process.env.BENCH_RECORDS || 1_000_000);
  const runs = Number(process.env.BENCH_RUNS || 3);
  const python = process.env.BENCH_PYTHON || 'python3';
  const root = process.env.BENCH_ROOT;
  const folder = vscode.workspace.workspaceFolders[0];
  const api = await vscode.extensions.getExtension('singer-replication.singer-replication').activate();
  const entry = await waitFor(() => api.folders.entryFor(folder));
  const engine = entry.workspace.engine;
  const tap = [python, path.join(root, 'test/fixtures/bench/fast_tap.py'), '--records', String(records)];
  const sink = [python, path.join(root, 'test/fixtures/bench/fast_sink.py')];
  await engine.add({ name: 'bench', tap, target: sink, tapConfig: null, targetConfig: null, catalog: null, env: {}, schedule: { kind: 'default' }, paused: true });
  await vscode.commands.executeCommand('singer.integrations.focus');

  const editor = [];
  const cli = [];
  for (let i = 0; i < runs; i++) {
    editor.push(await inEditor(api, engine, folder, records));
    cli.push(await throughCli(engine, folder));
  }
  console.log(`BENCH_RESULT ${JSON.stringify({ records, editor, cli })}`);
};

async function inEditor(api, engine, folder, records) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  // Gaps of the event loop longer than 8 ms, with when they happened and what the extension did then.
  const gaps = [];
  const t0 = performance.now();
  let lastTick = t0;
  // Only with BENCH_DEBUG: a 1 ms timer costs the loop something itself.
  const ticker = process.env.BENCH_DEBUG
    ? setInterval(() => {
        const now = performance.now();
        if (now - lastTick > 9) gaps.push({ at: Math.round(lastTick - t0), ms: Math.round(now - lastTick - 1) });
        lastTick = now;
      }, 1)
    : undefined;
  const marks = [];
  const offs = ['jobStarted', 'jobProgress', 'jobEnded', 'changed', 'nextRun'].map((e) => engine.events.on(e, () => marks.push(`${Math.round(performance.now() - t0)} ${e}`)));
  const started = await vscode.commands.executeCommand('singer.startExtraction', { folder: folder.uri.toString(), name: 'bench' });
  if (!started) throw new Error(`the extension did not start the job: ${JSON.stringify(api.ui.shown.slice(-1))}`);
  let texts = 0;
  let last = '';
  const job = await waitFor(async () => {
    const t = api.statusBar.item.text;
    if (t !== last) texts++;
    last = t;
    const j = (await engine.jobs('bench')).find((x) => x.id === started.jobId);
    return j && j.endedAt ? j : undefined;
  }, 600_000, 100);
  h.disable();
  clearInterval(ticker);
  for (const o of offs) o.dispose();
  return {
    gaps: gaps.sort((a, b) => b.ms - a.ms).slice(0, 8),
    marks: marks.filter((m) => !m.endsWith('jobProgress')).slice(0, 30),
    status: job.status,
    records: Object.values(job.records).reduce((a, b) => a + b, 0),
    runSeconds: runSeconds(engine, job),
    loopDelayP99Ms: h.percentile(99) / 1e6,
    loopDelayMaxMs: h.max / 1e6,
    statusBarTexts: texts,
    expected: records,
  };
}

function throughCli(engine, folder) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(process.env.BENCH_ROOT, 'dist/cli.js'), '--workspace', folder.uri.fsPath, 'run', 'bench'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', async (code) => {
      if (code !== 0) return reject(new Error(`singer-replication run exited ${code}: ${err.slice(-500)}`));
      const [job] = await engine.jobs('bench');
      resolve({ status: job.status, records: Object.values(job.records).reduce((a, b) => a + b, 0), runSeconds: runSeconds(engine, job) });
    });
  });
}

function runSeconds(engine, job) {
  const m = RUN_TIME.exec(fs.readFileSync(engine.paths.resolve(job.logFile), 'utf8'));
  return m ? Number(m[1]) : null;
}

async function waitFor(probe, timeoutMs = 30_000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('bench probe: timed out');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
