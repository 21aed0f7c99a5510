/**
 * The General and Replication Frequency sections: the form's controls, built once and then updated in
 * place (so focus and the caret stay where the user is), with each field's error or warning beside it.
 */
import { FREQUENCY_STEPS_MS } from '../../core/duration';
import { changedFields, frequencyText, sliderPosition, stepDuration, stepIndexOf, stepLabel, type FieldId, type SettingsForm } from '../../core/settingsForm';
import type { CheckResult, FileField, Snapshot } from '../protocol';
import { fill, h, icon, show } from './dom';

export interface FormEvents {
  /** The user changed the form (already applied to the form object the view was given). */
  edited(): void;
  browse(field: FileField): void;
  openDefaultSetting(): void;
  /** Enter in a text field. */
  submit(): void;
}

type TextField = 'tap' | 'tapConfig' | 'target' | 'targetConfig' | 'catalog' | 'cron' | 'timezone';

const TEXT_FIELDS: Array<{ id: TextField; title: string; description: string; placeholder: string; browse?: FileField }> = [
  {
    id: 'tap',
    title: 'Tap Command',
    description: 'The tap to run, as you would type it. It is split into words as a shell splits them (quotes and backslashes), but no shell runs it: no pipes, variables or redirections.',
    placeholder: 'tap-github',
  },
  { id: 'tapConfig', title: 'Tap Config File', description: "The tap's config (JSON), kept by path and read when each job starts. Leave empty for none.", placeholder: 'none', browse: 'tapConfig' },
  { id: 'target', title: 'Target Command', description: 'The target to load into, split the same way.', placeholder: 'target-jsonl' },
  { id: 'targetConfig', title: 'Target Config File', description: "The target's config (JSON), kept by path. Leave empty for none.", placeholder: 'none', browse: 'targetConfig' },
  { id: 'catalog', title: 'Catalog File', description: 'The catalog passed to the tap (JSON). Leave empty to use the one Run Discovery writes, if any.', placeholder: 'none', browse: 'catalog' },
];

export class FormView {
  readonly general: HTMLElement;
  readonly frequency: HTMLElement;
  private readonly inputs = new Map<TextField, HTMLInputElement>();
  private readonly messages = new Map<string, HTMLElement>();
  private readonly items = new Map<string, HTMLElement>();
  private readonly argv = new Map<'tap' | 'target', HTMLElement>();
  private readonly envList = h('div', { class: 'env-list', role: 'list' });
  private readonly mapperList = h('div', { class: 'mapper-list', role: 'list', 'aria-labelledby': 'mappers-title', 'aria-describedby': 'mappers-desc' });
  private mappersShown = '';
  private readonly slider = h('input', { type: 'range', id: 'frequency', min: 0, max: FREQUENCY_STEPS_MS.length - 1, step: 1, 'aria-describedby': 'frequency-desc frequency-note' });
  private readonly sliderText = h('output', { id: 'frequency-text', for: 'frequency', class: 'slider-value' });
  private readonly sliderNote = h('p', { id: 'frequency-note', class: 'description note', hidden: true });
  private readonly useDefault = h('input', { type: 'checkbox', id: 'use-default', 'aria-describedby': 'use-default-desc' });
  private readonly defaultText = h('span', {});
  private readonly useCron = h('input', { type: 'checkbox', id: 'use-cron' });
  private readonly advanced = h('details', { class: 'advanced', id: 'advanced' });
  private readonly upcoming = h('div', { class: 'upcoming', 'aria-live': 'polite' });
  private form!: SettingsForm;
  private base!: SettingsForm;
  /** The mode to return to when the cron checkbox is unticked. */
  private beforeCron: 'default' | 'interval' = 'default';
  /** The environment rows the list shows, as JSON. */
  private envShown = '';
  /** singer.defaultReplicationFrequency of the folder, as the host last said. */
  defaultFrequencyMs = 3_600_000;

  constructor(
    private readonly events: FormEvents,
    advancedOpen: boolean,
    private readonly onAdvancedToggle: (open: boolean) => void,
  ) {
    this.general = h('section', { id: 'general', 'aria-labelledby': 'general-title' }, h('h2', { id: 'general-title' }, 'General'));
    for (const f of TEXT_FIELDS) {
      this.general.append(this.textItem(f.id, f.title, f.description, f.placeholder, f.browse));
      // In pipeline order: the mappers sit between the tap and the target.
      if (f.id === 'tapConfig') this.general.append(this.mappersItem());
    }
    this.general.append(this.envItem());
    this.frequency = h('section', { id: 'replication-frequency', 'aria-labelledby': 'frequency-title' }, h('h2', { id: 'frequency-title' }, 'Replication Frequency'));
    this.frequency.append(this.sliderItem(), this.advancedItem(advancedOpen), this.upcomingItem());
  }

  /** Shows `form` (edited in place by the controls) against `base` (the saved one, for the modified marks). */
  bind(form: SettingsForm, base: SettingsForm): void {
    this.form = form;
    this.base = base;
    if (form.mode !== 'cron') this.beforeCron = form.mode;
    else if (base.mode !== 'cron') this.beforeCron = base.mode;
    for (const [id, input] of this.inputs) if (input.value !== form[id]) input.value = form[id];
    // Rows are rebuilt only when they differ from what is shown: a status update must not take the caret away.
    if (JSON.stringify(form.env) !== this.envShown) this.renderEnv();
    this.refresh();
  }

  /** Re-reads the modes and marks after an edit or a new base, without touching what the user types. */
  refresh(): void {
    const f = this.form;
    this.slider.value = String(sliderPosition(f.everyMs));
    const text = frequencyText(f.everyMs);
    this.slider.setAttribute('aria-valuetext', text);
    this.sliderText.textContent = f.mode === 'interval' ? text : f.mode === 'default' ? `${frequencyText(this.defaultFrequencyMs)} (default)` : 'Cron expression';
    this.slider.disabled = f.mode !== 'interval';
    this.useDefault.checked = f.mode === 'default';
    this.useDefault.disabled = f.mode === 'cron';
    this.useCron.checked = f.mode === 'cron';
    this.inputs.get('cron')!.disabled = f.mode !== 'cron';
    this.inputs.get('timezone')!.disabled = f.mode !== 'cron';
    const offStep = f.mode === 'interval' && stepIndexOf(f.everyMs) < 0;
    show(this.sliderNote, offStep);
    if (offStep) this.sliderNote.textContent = `${text} was set outside this page and is not one of the slider's steps; it is kept unless you move the slider.`;
    this.defaultText.textContent = `${frequencyText(this.defaultFrequencyMs)}, from the setting `;
    if (f.mode === 'cron' && !this.advanced.open) this.advanced.open = true;
    const changed = new Set<string>(changedFields(this.base, f).map((c) => (c === 'mode' || c === 'everyMs' ? 'frequency' : c)));
    for (const [id, item] of this.items) item.classList.toggle('modified', changed.has(id));
  }

  /** Errors and warnings beside their fields; the commands as they will be split; the next start times. */
  showCheck(result: CheckResult | undefined, now: Date, format: (iso: string, tz: string, seconds: boolean) => string): void {
    for (const [field, el] of this.messages) {
      const error = result?.errors[field];
      const warning = result?.warnings[field];
      show(el, Boolean(error ?? warning));
      el.className = `validation ${error ? 'error' : 'warning'}`;
      fill(el, error || warning ? icon(error ? 'error' : 'warning') : null, error ?? warning ?? '');
      const input = field.startsWith('env.') ? this.envList.querySelector<HTMLInputElement>(`[data-row="${field.slice(4)}"] input`) : this.inputs.get(field as TextField);
      if (input) input.setAttribute('aria-invalid', String(Boolean(error)));
    }
    for (const [role, el] of this.argv) {
      const words = result?.argv[role];
      show(el, Boolean(words && words.length > 0));
      if (words) fill(el, 'Runs ', ...words.flatMap((w, i) => [i > 0 ? ' ' : null, h('code', {}, w)]), ' without a shell.');
    }
    const u = result?.upcoming;
    if (!u) return fill(this.upcoming, h('p', { class: 'description' }, 'Computing the next start times…'));
    const tz = this.form.mode === 'cron' ? this.form.timezone.trim() : '';
    // Seconds only when the schedule itself has them (a 90s interval, a cron with a seconds field),
    // not because the grid is anchored at a start that had some.
    const times = u.runs.map((iso) => Date.parse(iso));
    const seconds = times.some((t, i) => i > 1 && (t - times[i - 1]!) % 60_000 !== 0) || (this.form.mode === 'cron' && times.some((t) => new Date(t).getSeconds() !== 0));
    fill(
      this.upcoming,
      u.runs.length > 0 ? h('ol', { class: 'runs' }, ...u.runs.map((iso, i) => h('li', {}, times[i]! <= now.getTime() + 1000 ? 'Now (a job is due)' : format(iso, tz, seconds)))) : null,
      u.note ? h('p', { class: `description ${u.runs.length === 0 ? 'validation-text' : ''}` }, u.note) : null,
    );
  }

  /** The mapper stages as saved (read-only here: `add --mapper` and the Meltano import set them). */
  showMappers(mappers: Snapshot['mappers']): void {
    const key = JSON.stringify(mappers);
    if (key === this.mappersShown) return;
    this.mappersShown = key;
    const rows = mappers.map((m, i) =>
      h(
        'div',
        { class: 'mapper-row', role: 'listitem', 'data-row': i },
        h('span', { class: 'mapper-name' }, `${i + 1}. ${m.name}`),
        h('code', { class: 'mapper-command' }, m.command),
        h('span', { class: 'description' }, m.config ? 'config ' : 'no config file (an empty {})'),
        m.config ? h('code', { class: 'mapper-config' }, m.config) : null,
      ),
    );
    fill(this.mapperList, ...(rows.length > 0 ? rows : [h('p', { class: 'description empty' }, "None: the tap's output goes straight to the target.")]));
  }

  /** Read-only once the integration went away. */
  setEnabled(enabled: boolean): void {
    for (const el of [this.general, this.frequency]) el.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button').forEach((c) => (c.disabled = !enabled));
    if (enabled) this.refresh();
  }

  focusField(field: FieldId): void {
    const input = field.startsWith('env.') ? this.envList.querySelector<HTMLInputElement>(`[data-row="${field.slice(4)}"] input`) : field === 'frequency' ? this.slider : this.inputs.get(field as TextField);
    if (field === 'cron' || field === 'timezone') this.advanced.open = true;
    input?.focus();
  }

  setFilePath(field: FileField, path: string): void {
    this.form[field] = path;
    this.inputs.get(field)!.value = path;
    this.events.edited();
  }

  private item(id: string, title: string | null, description: string | null, ...control: Array<Node | null>): HTMLElement {
    const msg = h('div', { id: `${id}-msg`, class: 'validation', role: 'status', hidden: true });
    this.messages.set(id, msg);
    const el = h(
      'div',
      { class: 'setting-item', 'data-field': id },
      title ? h('div', { class: 'setting-item-title' }, h('label', { for: id }, title)) : null,
      description ? h('div', { class: 'setting-item-description', id: `${id}-desc` }, description) : null,
      ...control,
      msg,
    );
    this.items.set(id, el);
    return el;
  }

  private textItem(id: TextField, title: string, description: string, placeholder: string, browse?: FileField): HTMLElement {
    const input = h('input', { type: 'text', id, placeholder, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': `${id}-desc ${id}-msg` });
    input.addEventListener('input', () => {
      this.form[id] = input.value;
      this.events.edited();
    });
    input.addEventListener('keydown', (e) => this.enterSaves(e));
    this.inputs.set(id, input);
    const control = h('div', { class: 'setting-item-control' }, input);
    if (browse) {
      const button = h('button', { type: 'button', class: 'secondary browse', 'aria-label': `Browse for the ${title.toLowerCase()}` }, icon('folder-opened'), 'Browse…');
      button.addEventListener('click', () => this.events.browse(browse));
      control.append(button);
    }
    let words: HTMLElement | null = null;
    if (id === 'tap' || id === 'target') {
      words = h('div', { class: 'argv description', hidden: true });
      this.argv.set(id, words);
    }
    return this.item(id, title, description, control, words);
  }

  private enterSaves(e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      this.events.submit();
    }
  }

  private mappersItem(): HTMLElement {
    // Not a form control, so a heading rather than a label.
    return h(
      'div',
      { class: 'setting-item', 'data-field': 'mappers' },
      h('div', { class: 'setting-item-title' }, h('span', { id: 'mappers-title' }, 'Mappers')),
      h(
        'div',
        { class: 'setting-item-description', id: 'mappers-desc' },
        'Programs that run between the tap and the target, in this order, each as COMMAND --config FILE (e.g. one that hides e-mail addresses). Shown as saved; ',
        h('code', {}, 'singer-replication add --mapper'),
        ' and the Meltano import set them.',
      ),
      this.mapperList,
    );
  }

  private envItem(): HTMLElement {
    const add = h('button', { type: 'button', class: 'secondary add-row' }, icon('add'), 'Add Variable');
    add.addEventListener('click', () => {
      this.form.env.push({ key: '', value: '' });
      this.renderEnv();
      this.events.edited();
      this.envList.querySelector<HTMLInputElement>(`[data-row="${this.form.env.length - 1}"] input`)?.focus();
    });
    return this.item('env', 'Environment Variables', "Added to the environment the tap and target inherit. Secrets belong in the config as {\"$secret\": \"NAME\"}, not here.", this.envList, h('div', { class: 'row-actions' }, add));
  }

  private renderEnv(): void {
    this.envShown = JSON.stringify(this.form.env);
    const rows = this.form.env.map((row, i) => {
      const key = h('input', { type: 'text', class: 'env-key', placeholder: 'NAME', 'aria-label': `Name of variable ${i + 1}`, spellcheck: 'false', autocomplete: 'off' });
      const value = h('input', { type: 'text', class: 'env-value', placeholder: 'value', 'aria-label': `Value of variable ${i + 1}`, spellcheck: 'false', autocomplete: 'off' });
      key.value = row.key;
      value.value = row.value;
      // By index into the form bound now: a save binds a new form object without rebuilding equal rows.
      const edit = (field: 'key' | 'value', input: HTMLInputElement): void => {
        this.form.env[i]![field] = input.value;
        this.envShown = JSON.stringify(this.form.env);
        this.events.edited();
      };
      key.addEventListener('input', () => edit('key', key));
      value.addEventListener('input', () => edit('value', value));
      for (const el of [key, value]) el.addEventListener('keydown', (e) => this.enterSaves(e));
      const remove = h('button', { type: 'button', class: 'icon-button', 'aria-label': `Remove variable ${row.key || i + 1}`, title: 'Remove' }, icon('trash'));
      remove.addEventListener('click', () => {
        this.form.env.splice(i, 1);
        this.renderEnv();
        this.events.edited();
        const next = this.envList.querySelector<HTMLInputElement>(`[data-row="${Math.min(i, this.form.env.length - 1)}"] input`);
        (next ?? this.items.get('env')!.querySelector<HTMLButtonElement>('.add-row'))?.focus();
      });
      const msg = h('div', { class: 'validation', role: 'status', hidden: true });
      this.messages.set(`env.${i}`, msg);
      return h('div', { class: 'env-row', role: 'listitem', 'data-row': i }, key, h('span', { class: 'equals', 'aria-hidden': 'true' }, '='), value, remove, msg);
    });
    for (const k of [...this.messages.keys()]) if (k.startsWith('env.') && Number(k.slice(4)) >= rows.length) this.messages.delete(k);
    fill(this.envList, ...(rows.length > 0 ? rows : [h('p', { class: 'description empty' }, 'No variables.')]));
  }

  private sliderItem(): HTMLElement {
    this.slider.addEventListener('input', () => {
      this.form.everyMs = stepDuration(Number(this.slider.value));
      this.events.edited();
    });
    this.useDefault.addEventListener('change', () => {
      this.form.mode = this.useDefault.checked ? 'default' : 'interval';
      this.events.edited();
    });
    const openSetting = h('button', { type: 'button', class: 'text-link' }, 'singer.defaultReplicationFrequency');
    openSetting.addEventListener('click', () => this.events.openDefaultSetting());
    const ticks = h('div', { class: 'ticks', 'aria-hidden': 'true' });
    FREQUENCY_STEPS_MS.forEach((ms, i) => {
      // Under the thumb's centre at each step (CSSOM, which the page's CSP allows, unlike style attributes).
      const tick = h('span', {}, stepLabel(ms));
      tick.style.left = `calc(7px + (100% - 14px) * ${i / (FREQUENCY_STEPS_MS.length - 1)})`;
      ticks.append(tick);
    });
    return this.item(
      'frequency',
      'Replication Frequency',
      'How often a job starts, counted from the start of the previous job. A start that falls while the previous job still runs is skipped.',
      h('div', { class: 'slider-row' }, h('div', { class: 'slider-track' }, this.slider, ticks), this.sliderText),
      this.sliderNote,
      h('label', { class: 'checkbox' }, this.useDefault, h('span', {}, 'Use integration default')),
      h('div', { class: 'setting-item-description indented', id: 'use-default-desc' }, this.defaultText, openSetting, '.'),
    );
  }

  private advancedItem(open: boolean): HTMLElement {
    this.advanced.open = open;
    this.advanced.addEventListener('toggle', () => this.onAdvancedToggle(this.advanced.open));
    this.useCron.addEventListener('change', () => {
      if (this.useCron.checked && this.form.mode !== 'cron') this.beforeCron = this.form.mode;
      this.form.mode = this.useCron.checked ? 'cron' : this.beforeCron;
      this.events.edited();
      if (this.useCron.checked) this.inputs.get('cron')!.focus();
    });
    const zones = h('datalist', { id: 'time-zones' }, ...supportedZones().map((z) => h('option', { value: z })));
    const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const cron = this.textItem('cron', 'Cron Expression', 'minute hour day-of-month month day-of-week (croner syntax), or 6 fields with seconds first, e.g. 0 6 * * 1-5 (06:00 on weekdays).', '0 6 * * *');
    const tz = this.textItem('timezone', 'Time Zone', `The IANA time zone of the cron times, e.g. Europe/Berlin. Leave empty for the local time of the machine that runs the schedule (here ${local}).`, local);
    tz.querySelector('input')!.setAttribute('list', 'time-zones');
    fill(
      this.advanced,
      h('summary', {}, h('span', { class: 'summary-title' }, 'Advanced: cron expression')),
      h('div', { class: 'advanced-body' }, h('label', { class: 'checkbox' }, this.useCron, h('span', {}, 'Schedule with a cron expression instead of the slider')), cron, tz, zones),
    );
    return this.advanced;
  }

  private upcomingItem(): HTMLElement {
    return h(
      'div',
      { class: 'setting-item', id: 'upcoming-item' },
      h('div', { class: 'setting-item-title' }, h('span', {}, 'Next Starts')),
      h('div', { class: 'setting-item-description' }, 'The next five start times of this schedule as the scheduler plans them, in local time.'),
      this.upcoming,
    );
  }
}

function supportedZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? [];
}
