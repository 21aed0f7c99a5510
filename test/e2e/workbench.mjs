// What the browser tests do to a code-server workbench, as a user would: open it, open the Singer
// view, run a command from the palette, answer quick inputs and modals, and take screenshots.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, installExtension, launchChromium, makeTempDir, startCodeServer } from '../harness/codeServer.mjs';

export const VSIX = join(REPO, 'singer-replication.vsix');
export const SHOTS = join(REPO, 'test/e2e/screenshots');
mkdirSync(SHOTS, { recursive: true });

/** The packaged extension installed into a private code-server on `folder`, and a browser. */
export async function serveExtension({ folder, prefix = 'singer-e2e-', ...options }) {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first (npm run test:e2e does)`);
  const root = makeTempDir(prefix);
  const extensionsDir = join(root, 'extensions');
  installExtension(VSIX, { extensionsDir, root });
  const server = await startCodeServer({ folder, extensionsDir, root, ...options });
  const browser = await launchChromium();
  return { server, browser, root };
}

/** The CLI as a user runs it in the test's workspace (dist/cli.js). */
export function cli(workspace, ...args) {
  return execFileSync(process.execPath, [join(REPO, 'dist/cli.js'), '--workspace', workspace, ...args], { encoding: 'utf8' });
}

/** The demo integration as `npm start` makes it: by the CLI, nothing run yet. */
export function addDemo(workspace, ...extra) {
  cli(workspace, 'add', 'demo', '--tap', 'python3 tap_demo.py', '--target', 'python3 target_demo.py', '--tap-config', 'tap-config.json', '--target-config', 'target-config.json', ...extra);
}

/**
 * The tree's and the status bar's `next …` for a run at `iso`: its time, after a weekday when the run
 * is not today (a test that runs late in the evening sees `next Mon 00:05`).
 */
export function nextRunPattern(iso) {
  const d = new Date(iso);
  const hhmm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return new RegExp(`^next (\\w{3} )?${hhmm}$`);
}

export function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** A copy of demo/, so a test never writes into the repo's demo (nor sees its job output). */
export function demoCopy() {
  const demo = makeTempDir('singer-e2e-demo-');
  cpSync(join(REPO, 'demo'), demo, {
    recursive: true,
    filter: (src) => !src.startsWith(join(REPO, 'demo', 'output')) && !src.startsWith(join(REPO, 'demo', '.singer')),
  });
  return demo;
}

export class Workbench {
  constructor(page, name) {
    this.page = page;
    this.name = name;
    this.n = 0;
  }

  async shot(what) {
    this.n++;
    await this.page.screenshot({ path: join(SHOTS, `${this.name}-${this.n}-${what}.png`) }).catch(() => {});
  }

  get sidebar() {
    return this.page.locator('#workbench\\.parts\\.sidebar');
  }
  get statusbar() {
    return this.page.locator('#workbench\\.parts\\.statusbar');
  }
  get tree() {
    return this.sidebar.locator('.pane-body .monaco-list');
  }
  get toasts() {
    return this.page.locator('.notifications-toasts');
  }
  get quickInput() {
    return this.page.locator('.quick-input-widget');
  }

  async open(url) {
    await this.page.goto(url);
    // The Singer entry appears in the activity bar once the extensions are scanned.
    await this.page.getByRole('tab', { name: /^Singer/ }).waitFor({ timeout: 60_000 });
    await this.shot('workbench');
  }

  async openSingerView() {
    await this.page.getByRole('tab', { name: /^Singer/ }).click();
    await this.sidebar.locator('.composite.title', { hasText: 'Singer' }).waitFor({ timeout: 30_000 });
    // A contributed view may start collapsed: expand it before looking inside. (Its header is
    // hidden while it is the container's only view; the container title stands in for it.)
    const header = this.sidebar.locator('.pane-header[aria-label^="Integrations"]');
    if ((await header.isVisible()) && (await header.getAttribute('aria-expanded')) === 'false') await header.click();
    await this.sidebar.locator('.monaco-progress-container.active').waitFor({ state: 'hidden', timeout: 30_000 });
    await this.shot('singer-view');
  }

  /**
   * F1, the command's title, Enter: the palette as users run commands. A command hidden by a `when`
   * clause the extension has not set yet (it reads the integrations after activation) is looked for
   * again, as a user would open the palette again. So is an F1 that opened nothing (focus was in a
   * webview's frame, which forwards keys to the workbench only once it is ready).
   */
  async runCommand(title) {
    for (let attempt = 1; ; attempt++) {
      const row = this.quickInput.locator('.monaco-list-row', { hasText: title }).first();
      try {
        await this.page.keyboard.press('F1');
        await this.quickInput.waitFor({ state: 'visible', timeout: 5000 });
        await this.page.keyboard.type(title);
        await row.waitFor({ timeout: 3000 });
        await this.page.keyboard.press('Enter');
        return;
      } catch (err) {
        await this.page.keyboard.press('Escape');
        if (attempt === 4) throw err;
        // Take focus back from a frame, as a user's click on the workbench would.
        await this.page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
        await this.page.waitForTimeout(1000);
      }
    }
  }

  /**
   * Types into the quick input once it shows `prompt` (each step of a multi-step input reuses the same
   * widget, so waiting for the step's own words is what tells the next step has arrived), then Enter.
   */
  async answer(text, prompt) {
    await this.quickInput.getByText(prompt).first().waitFor({ timeout: 10_000 });
    await this.quickInput.locator('input.input').fill(text);
    await this.page.waitForTimeout(150);
    await this.page.keyboard.press('Enter');
  }

  /** Types a new answer into the step shown now (after a validation error) and presses Enter. */
  async retry(text) {
    await this.quickInput.locator('input.input').fill(text);
    await this.page.waitForTimeout(150);
    await this.page.keyboard.press('Enter');
  }

  /** The text of the editor shown now, as the user reads it (Monaco renders spaces as non-breaking ones). */
  async editorText() {
    const text = await this.page.locator('.editor-instance .monaco-editor .view-lines').first().innerText();
    return text.replace(/\u00a0/g, ' ');
  }

  /** Expands a tree row once it can be expanded (an integration gets children with its first job). */
  async expand(label, timeout = 60_000) {
    const row = this.treeRow(label);
    const deadline = Date.now() + timeout;
    for (;;) {
      const expanded = await row.getAttribute('aria-expanded').catch(() => null);
      if (expanded === 'true') return;
      if (expanded === 'false') await row.locator('.monaco-tl-twistie').click();
      if (Date.now() > deadline) throw new Error(`the tree row ${label} never became expandable`);
      await this.page.waitForTimeout(250);
    }
  }

  /** The tree row of an integration or a log node, by its label. */
  treeRow(label) {
    return this.tree.locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&')}$`) }) });
  }
}
