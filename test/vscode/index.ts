// Entry of the extension-host suite: VS Code loads this file (bundled by esbuild into
// dist-test/vscode/index.js) from `extensionTestsPath` and awaits run().
// The test files are imported lazily, after mocha has put describe/it on globalThis: a static import
// would run their describe() calls at bundle load, before mocha exists. Add new test files below.
// The harness runs the suite in several windows (SINGER_SUITE): a trusted folder, an untrusted one
// (Restricted Mode) and a workspace of two folders; each runs the files written for it.
import Mocha from 'mocha';

const SUITES: Record<string, Array<() => Promise<unknown>>> = {
  trusted: [
    () => import('./extension.test'),
    () => import('./tree.test'),
    () => import('./run.test'),
    () => import('./create.test'),
    () => import('./meltano.test'),
    () => import('./settings.test'),
  ],
  untrusted: [() => import('./untrusted.test')],
  multiroot: [() => import('./multiroot.test')],
};

export async function run(): Promise<void> {
  const suite = process.env.SINGER_SUITE ?? 'trusted';
  const files = SUITES[suite];
  if (!files) throw new Error(`unknown SINGER_SUITE ${suite}; one of ${Object.keys(SUITES).join(', ')}`);
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'dist-test/vscode/index.js', mocha);
  for (const load of files) await load();
  let ran = 0;
  const failures = await new Promise<number>((resolve) => mocha.run(resolve).on('test end', () => ran++));
  if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
  // A suite that ran nothing proves nothing (a broken import, a bad grep): fail it.
  if (ran === 0) throw new Error('the extension-host suite ran no test');
}
