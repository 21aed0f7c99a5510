/**
 * The Integration Settings page (bundled for the browser into dist/webview/settings.js). It keeps the
 * form the user edits and the saved form the edits started from, in the webview's state so they
 * survive the panel being hidden and the window being reloaded; the host checks and saves (see
 * src/vscode/settingsPanel.ts). Every message from the host is validated against the protocol first.
 */
import '@vscode/codicons/dist/codicon.css';
import './settings/settings.css';
import { changedFields, describeChanges, sameForm, type SettingsForm } from '../core/settingsForm';
import { clock } from '../core/viewText';
import { parseToPage, type CheckResult, type Snapshot, type ToHost, type ToPage } from './protocol';
import { fill, h, icon, show } from './settings/dom';
import { FormView } from './settings/form';
import { StatusSection } from './settings/status';

interface VsCodeApi<T> {
  postMessage(message: ToHost): void;
  getState(): T | undefined;
  setState(state: T): void;
}
declare function acquireVsCodeApi<T>(): VsCodeApi<T>;

/** What survives hiding and reloading: which integration, the saved form, the edits, a pending conflict. */
interface PageState {
  folder: string;
  name: string;
  base: SettingsForm;
  edited: SettingsForm;
  advanced: boolean;
  /** The integration as saved elsewhere while edits were pending; the banner offers to reload it. */
  conflict: SettingsForm | null;
}

const CHECK_DEBOUNCE_MS = 150;
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const clone = (f: SettingsForm): SettingsForm => JSON.parse(JSON.stringify(f)) as SettingsForm;

class Page {
  private readonly api = acquireVsCodeApi<PageState>();
  private state: PageState | undefined = this.api.getState();
  private snapshot: Snapshot | undefined;
  private check: CheckResult | undefined;
  private seq = 0;
  private checkSeq = -1;
  private saving: number | null = null;
  /** The form as sent with the save under way. */
  private submitted: SettingsForm | null = null;
  /** What of the last snapshot the current check was asked for. */
  private checkedFor = '';
  /** Whether `check` answers the form as it is now (no edit since it was asked). */
  private checkFresh = false;
  private checkTimer: number | undefined;
  private gone = false;
  private form: FormView | undefined;
  private status: StatusSection | undefined;
  private readonly root = document.getElementById('app')!;
  private readonly title = h('h1', {});
  private readonly subtitle = h('div', { class: 'subtitle' });
  private readonly dirtyNote = h('span', { class: 'dirty-note', 'aria-live': 'polite' });
  private readonly save = h('button', { type: 'button', class: 'primary', id: 'save' }, 'Save Integration');
  private readonly discard = h('button', { type: 'button', class: 'secondary', id: 'discard' }, 'Discard');
  private readonly conflictBanner = h('div', { class: 'banner warning', role: 'alert', hidden: true });
  private readonly notice = h('div', { class: 'banner', role: 'status', hidden: true });

  start(): void {
    window.addEventListener('message', (e: MessageEvent<unknown>) => {
      const parsed = parseToPage(e.data);
      if (parsed.ok) this.receive(parsed.message);
      else console.warn(`Singer settings page: ${parsed.error}`);
    });
    this.save.addEventListener('click', () => this.submit());
    this.discard.addEventListener('click', () => this.reload());
    this.api.postMessage({ type: 'ready' });
  }

  private receive(m: ToPage): void {
    switch (m.type) {
      case 'snapshot':
        return this.onSnapshot(m.snapshot);
      case 'gone':
        this.gone = true;
        this.showNotice('error', m.message);
        this.form?.setEnabled(false);
        return this.refresh();
      case 'checked':
        if (m.seq !== this.checkSeq) return; // an answer to a form that has changed since
        this.check = m.result;
        this.checkFresh = true;
        return this.refresh();
      case 'saveResult':
        return this.onSaveResult(m);
      case 'browsed':
        return this.form?.setFilePath(m.field, m.path);
      case 'notice':
        this.status?.enable();
        return this.showNotice(m.level, m.text);
    }
  }

  private onSnapshot(s: Snapshot): void {
    this.snapshot = s;
    if (this.gone) {
      // The integration is back (its folder was opened again): editable again.
      this.gone = false;
      this.form?.setEnabled(true);
      this.hideNotice();
    }
    if (!this.state || this.state.folder !== s.folder || this.state.name !== s.name) {
      this.state = { folder: s.folder, name: s.name, base: s.form, edited: clone(s.form), advanced: s.form.mode === 'cron', conflict: null };
    } else if (this.saving === null) {
      this.adopt(s.form);
    }
    if (!this.form) this.build();
    this.form!.defaultFrequencyMs = s.defaultFrequencyMs;
    this.form!.bind(this.state.edited, this.state.base);
    this.form!.showMappers(s.mappers);
    this.status!.render(s, new Date());
    this.title.textContent = s.name;
    this.subtitle.textContent = `Integration settings · ${s.folderName}`;
    this.persist();
    this.refresh();
    // The next start times move with the saved schedule and the last start, not with a job's progress.
    const key = JSON.stringify([s.form, s.status.nextRunAt, s.status.paused, s.status.lastJob?.startedAt, s.defaultFrequencyMs]);
    if (key !== this.checkedFor) {
      this.checkedFor = key;
      this.requestCheck();
    }
  }

  /**
   * The saved integration as the host tells it: taken over when there are no edits (or the edits are
   * exactly what was saved); with other edits pending it is never applied silently, the banner asks.
   */
  private adopt(saved: SettingsForm): void {
    const st = this.state!;
    if (sameForm(st.base, saved)) {
      st.conflict = null;
      if (this.dirty()) return;
    }
    // No edits (a new default frequency still moves the disabled slider), or the edits are what was saved.
    if (!this.dirty() || sameForm(st.edited, saved)) {
      st.base = saved;
      st.edited = clone(saved);
      st.conflict = null;
      return;
    }
    st.conflict = saved;
  }

  private onSaveResult(m: Extract<ToPage, { type: 'saveResult' }>): void {
    if (m.seq !== this.saving) return;
    this.saving = null;
    const st = this.state!;
    if (m.result) this.check = m.result;
    if (m.outcome === 'saved' || m.outcome === 'unchanged') {
      // The snapshot that came before this answer holds the form as saved (paths made relative, …);
      // anything typed while the save was under way stays an edit.
      const typedSince = this.submitted !== null && !sameForm(this.submitted, st.edited);
      st.base = this.snapshot ? this.snapshot.form : st.edited;
      if (!typedSince) st.edited = clone(st.base);
      st.conflict = null;
      if (m.message) this.showNotice('info', m.message);
    } else if (m.outcome === 'conflict') {
      if (this.snapshot && !sameForm(this.snapshot.form, st.base)) st.conflict = this.snapshot.form;
      this.showNotice('error', m.message ?? 'The integration was changed elsewhere; nothing was saved.');
    } else {
      this.showNotice('error', m.message ?? 'Nothing was saved.');
      const first = Object.keys(m.result?.errors ?? {})[0];
      if (first) this.form?.focusField(first as Parameters<FormView['focusField']>[0]);
    }
    this.submitted = null;
    this.form?.bind(st.edited, st.base);
    this.persist();
    this.refresh();
    this.requestCheck();
  }

  private build(): void {
    this.form = new FormView(
      {
        edited: () => this.edited(),
        browse: (field) => this.api.postMessage({ type: 'browse', field }),
        openDefaultSetting: () => this.api.postMessage({ type: 'openDefaultSetting' }),
        submit: () => this.submit(),
      },
      this.state!.advanced,
      (open) => {
        this.state!.advanced = open;
        this.persist();
      },
    );
    this.status = new StatusSection({
      setPaused: (paused) => this.api.postMessage({ type: 'setPaused', paused }),
      showLog: (job) => this.api.postMessage({ type: 'showLog', job: job.id }),
    });
    // The banners sit in the sticky header, so a conflict or a save's outcome is seen wherever the user scrolled.
    const header = h(
      'header',
      { class: 'page-header' },
      h('div', { class: 'header-row' }, h('div', { class: 'heading' }, this.title, this.subtitle), h('div', { class: 'actions' }, this.dirtyNote, this.discard, this.save)),
      this.conflictBanner,
      this.notice,
    );
    this.root.removeAttribute('aria-busy');
    fill(this.root, header, h('div', { class: 'sections' }, this.form.general, this.form.frequency, this.status.element));
  }

  private edited(): void {
    this.checkFresh = false;
    this.hideNotice();
    this.persist();
    this.form?.refresh();
    this.refresh();
    clearTimeout(this.checkTimer);
    this.checkTimer = window.setTimeout(() => this.requestCheck(), CHECK_DEBOUNCE_MS);
  }

  private requestCheck(): void {
    if (!this.state || this.gone) return;
    this.checkFresh = false;
    this.checkSeq = ++this.seq;
    this.api.postMessage({ type: 'check', seq: this.checkSeq, form: this.state.edited });
  }

  private dirty(): boolean {
    return !!this.state && !sameForm(this.state.base, this.state.edited);
  }

  /** Save Integration: only with changes, no known error, no unresolved conflict, nothing in flight. */
  private canSave(): boolean {
    // Known errors disable it; a form not checked yet may be sent: the host checks it again anyway.
    const known = this.checkFresh && this.check !== undefined && Object.keys(this.check.errors).length > 0;
    return this.dirty() && !known && !this.state?.conflict && this.saving === null && !this.gone;
  }

  private submit(): void {
    if (!this.canSave()) return;
    const st = this.state!;
    clearTimeout(this.checkTimer);
    this.saving = ++this.seq;
    this.submitted = clone(st.edited);
    this.api.postMessage({ type: 'save', seq: this.saving, base: st.base, form: st.edited });
    this.refresh();
  }

  /** Discard, and Reload in the conflict banner: the form as saved now. */
  private reload(): void {
    const st = this.state;
    if (!st) return;
    st.base = st.conflict ?? this.snapshot?.form ?? st.base;
    st.edited = clone(st.base);
    st.conflict = null;
    this.hideNotice();
    this.form?.bind(st.edited, st.base);
    this.persist();
    this.refresh();
    this.requestCheck();
  }

  /** Keep My Edits: the newer saved form becomes the base, so saving replaces it knowingly. */
  private keepEdits(): void {
    const st = this.state!;
    if (st.conflict) st.base = st.conflict;
    st.conflict = null;
    this.form?.bind(st.edited, st.base);
    this.persist();
    this.refresh();
  }

  private refresh(): void {
    const st = this.state;
    const dirty = this.dirty();
    this.save.disabled = !this.canSave();
    this.save.textContent = this.saving !== null ? 'Saving…' : 'Save Integration';
    this.discard.disabled = !dirty || this.saving !== null;
    this.dirtyNote.textContent = dirty ? 'Unsaved changes' : '';
    if (st?.conflict) {
      fill(
        this.conflictBanner,
        icon('warning'),
        h('span', { class: 'banner-text' }, `${st.name} was changed elsewhere (${describeChanges(changedFields(st.base, st.conflict))}) while you were editing. Your edits are not saved.`),
        this.button('Reload', 'primary', () => this.reload()),
        this.button('Keep My Edits', 'secondary', () => this.keepEdits()),
      );
    }
    show(this.conflictBanner, Boolean(st?.conflict));
    this.form?.showCheck(this.check, new Date(), formatRun);
  }

  private button(label: string, kind: string, run: () => void): HTMLButtonElement {
    const b = h('button', { type: 'button', class: kind }, label);
    b.addEventListener('click', run);
    return b;
  }

  private showNotice(level: 'info' | 'error', text: string): void {
    this.notice.className = `banner ${level}`;
    this.notice.setAttribute('role', level === 'error' ? 'alert' : 'status');
    fill(this.notice, icon(level === 'error' ? 'error' : 'info'), h('span', { class: 'banner-text' }, text));
    show(this.notice, true);
  }

  private hideNotice(): void {
    if (!this.gone) show(this.notice, false);
  }

  private persist(): void {
    if (this.state) this.api.setState(this.state);
  }
}

/** A start time in local time, and in the cron's own time zone when that differs. */
function formatRun(iso: string, tz: string, seconds: boolean): string {
  const d = new Date(iso);
  const local = clock(d, new Date()) + (seconds ? `:${String(d.getSeconds()).padStart(2, '0')}` : '');
  if (tz === '' || tz === LOCAL_ZONE) return local;
  try {
    const there = new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
    return `${local} (${there} ${tz})`;
  } catch {
    return local;
  }
}

new Page().start();
