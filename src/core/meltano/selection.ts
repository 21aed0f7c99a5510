/**
 * Stream selection both ways. Import applies a Meltano extractor's `select`, `metadata`, `schema`
 * and `select_filter` rules to a catalog the way Meltano's catalog executors do before a run
 * (everything deselected with `!*.*`, then the rules in order). Export reads the selection of a
 * catalog back into `select` and `metadata` rules.
 */
import { fnmatch, fnmatchEscape, flattenConfig, isPlainObject } from './patterns';

type Json = Record<string, unknown>;

interface MetadataRule {
  streams: string[];
  /** Matches every stream that matches none of `streams` (select_filter inclusions). */
  negated: boolean;
  breadcrumb: string[];
  key: string;
  value: unknown;
}

interface SchemaRule {
  stream: string;
  property: string;
  payload: Json;
}

function propertyBreadcrumb(props: string[]): string[] {
  return props.flatMap((p) => ['properties', p]);
}

function selectRule(value: boolean, stream: string, props: string[] = []): MetadataRule {
  return { streams: [stream], negated: false, breadcrumb: propertyBreadcrumb(props), key: 'selected', value };
}

/** Meltano's SelectPattern.parse: `!` negates, the first unescaped dot separates stream and property. */
function parsePattern(raw: string): { stream: string; prop: string | null; negated: boolean } {
  let pattern = raw;
  const negated = pattern.startsWith('!');
  if (negated) pattern = pattern.slice(1);
  const m = /(?<!\\)\./.exec(pattern);
  const stream = (m ? pattern.slice(0, m.index) : pattern).replace(/\\\./g, '.');
  return { stream, prop: m ? pattern.slice(m.index + 1) : null, negated };
}

/** Meltano's select_metadata_rules. */
export function selectMetadataRules(patterns: readonly string[]): MetadataRule[] {
  const include: MetadataRule[] = [];
  const exclude: MetadataRule[] = [];
  for (const raw of patterns) {
    const p = parsePattern(raw);
    const selected = !p.negated;
    const rules = selected ? include : exclude;
    if (!p.prop) {
      rules.push(selectRule(selected, p.stream), selectRule(selected, p.stream, ['*']));
      continue;
    }
    if (selected || p.prop === '*') rules.push(selectRule(selected, p.stream));
    const props = p.prop.split('.');
    rules.push(selectRule(selected, p.stream, props));
    if (selected) for (let i = 1; i < props.length; i++) rules.push(selectRule(true, p.stream, props.slice(0, i)));
  }
  return [...include, ...exclude];
}

/** Meltano's select_filter_metadata_rules. */
function selectFilterRules(patterns: readonly string[]): MetadataRule[] {
  const include: MetadataRule = { streams: [], negated: true, breadcrumb: [], key: 'selected', value: false };
  const exclude: MetadataRule = { streams: [], negated: false, breadcrumb: [], key: 'selected', value: false };
  for (const raw of patterns) {
    const p = parsePattern(raw);
    (p.negated ? exclude : include).streams.push(p.stream);
  }
  return [include, exclude].filter((r) => r.streams.length > 0);
}

/** Meltano's config_metadata_rules: `{stream: {prop: {key: value}}}` flattened with dots. */
function configMetadataRules(metadata: Json): MetadataRule[] {
  return Object.entries(flattenConfig(metadata)).map(([key, value]) => {
    const parts = key.split('.');
    const stream = parts[0]!;
    const rest = parts.slice(1);
    const ruleKey = rest.pop() ?? '';
    // `<stream>.properties.<prop>.<key>` is the long form of `<stream>.<prop>.<key>`.
    const props = rest[0] === 'properties' ? rest.filter((_, i) => i % 2 === 1) : rest;
    return { streams: [stream], negated: false, breadcrumb: propertyBreadcrumb(props), key: ruleKey, value };
  });
}

function configSchemaRules(schema: Json): SchemaRule[] {
  const rules: SchemaRule[] = [];
  for (const [stream, props] of Object.entries(schema)) {
    if (!isPlainObject(props)) continue;
    for (const [property, payload] of Object.entries(props)) if (isPlainObject(payload)) rules.push({ stream, property, payload });
  }
  return rules;
}

function ruleMatches(rule: MetadataRule, streamId: string, breadcrumb: string[]): boolean {
  let result = rule.streams.some((s) => fnmatch(streamId, s));
  if (rule.negated) result = !result;
  return result && fnmatch(breadcrumb.join('.'), rule.breadcrumb.join('.'));
}

export interface CatalogRules {
  select?: readonly string[] | undefined;
  metadata?: Json | undefined;
  schema?: Json | undefined;
  selectFilter?: readonly string[] | undefined;
}

/** A Meltano property path as its executors see one: names of letters, digits and `_` only. */
const WORD = /^[\p{L}\p{N}_]*$/u;

/**
 * Applies the rules to a copy of the catalog as `meltano run` does when no `catalog` file is given:
 * missing metadata entries are created (automatic for streams and top-level properties), everything
 * is deselected, then `select`, `metadata` and `select_filter` rules are applied in order.
 */
export function applyCatalogRules(catalog: unknown, rules: CatalogRules): Json {
  const copy = structuredClone(catalog) as Json;
  const streams = Array.isArray(copy.streams) ? (copy.streams as unknown[]) : [];
  const schemaRules = configSchemaRules(rules.schema ?? {});
  const metadataRules = [
    ...selectMetadataRules(['!*.*']),
    ...selectMetadataRules(rules.select ?? ['*.*']),
    ...configMetadataRules(rules.metadata ?? {}),
    ...selectFilterRules(rules.selectFilter ?? []),
  ];
  for (const s of streams) {
    if (!isPlainObject(s) || typeof s.tap_stream_id !== 'string') continue;
    const id = s.tap_stream_id;
    if (!isPlainObject(s.schema)) s.schema = { type: 'object' };
    applySchemaRules(s.schema as Json, id, schemaRules);
    if (!Array.isArray(s.metadata)) s.metadata = [];
    const metadata = s.metadata as Json[];
    const ensure = (breadcrumb: string[]): void => {
      if (metadata.some((m) => isPlainObject(m) && sameCrumb(m.breadcrumb, breadcrumb))) return;
      metadata.push({ breadcrumb, metadata: { inclusion: breadcrumb.length <= 2 ? 'automatic' : 'available' } });
    };
    ensure([]);
    for (const crumb of propertyCrumbs(s.schema as Json, [])) ensure(crumb);
    for (const rule of metadataRules) {
      if (ruleMatches(rule, id, [])) setMetadata(s, rule.key.replaceAll('-', '_'), rule.value);
    }
    for (const m of metadata) {
      if (!isPlainObject(m) || !Array.isArray(m.breadcrumb)) continue;
      if (!isPlainObject(m.metadata)) m.metadata = {};
      const crumb = m.breadcrumb.map(String);
      for (const rule of metadataRules) if (ruleMatches(rule, id, crumb)) setMetadata(m.metadata as Json, rule.key, rule.value);
    }
  }
  return copy;
}

function setMetadata(node: Json, key: string, value: unknown): void {
  // Unsupported fields cannot be selected.
  if (key === 'selected' && value === true && node.inclusion === 'unsupported') return;
  node[key] = value;
}

function sameCrumb(a: unknown, b: string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);
}

function propertyCrumbs(schema: Json, prefix: string[]): string[][] {
  const props = schema.properties;
  if (!isPlainObject(props)) return [];
  const out: string[][] = [];
  for (const [name, sub] of Object.entries(props)) {
    if (!WORD.test(name)) continue;
    const crumb = [...prefix, 'properties', name];
    out.push(crumb);
    if (isPlainObject(sub)) out.push(...propertyCrumbs(sub, crumb));
  }
  return out;
}

function applySchemaRules(schema: Json, streamId: string, rules: SchemaRule[]): void {
  for (const rule of rules) {
    if (!fnmatch(streamId, rule.stream)) continue;
    if (!isPlainObject(schema.properties)) schema.properties = {};
    const props = schema.properties as Json;
    const names = /[*?[\]]/.test(rule.property) ? Object.keys(props).filter((p) => fnmatch(p, rule.property)) : [rule.property];
    for (const name of names) props[name] = structuredClone(rule.payload);
  }
}

type Selection = 'selected' | 'excluded' | 'automatic' | 'unsupported';

/** Meltano's ListSelectedExecutor.node_selection. */
function nodeSelection(md: unknown): Selection {
  if (!isPlainObject(md)) return 'excluded';
  if (md.inclusion === 'automatic') return 'automatic';
  if (md.inclusion === 'unsupported') return 'unsupported';
  if (md.selected === true || (md.selected === undefined && md['selected-by-default'] === true)) return 'selected';
  return 'excluded';
}

/**
 * How a tap reads a property entry with no `selected` (the singer-sdk rule): it follows the stream.
 * Meltano writes `selected` on every entry, so export must decide it; this is that decision.
 */
function propertyIsSelected(md: unknown): boolean {
  if (!isPlainObject(md)) return true;
  if (md.inclusion === 'unsupported') return false;
  if (md.inclusion === 'automatic') return true;
  if (typeof md.selected === 'boolean') return md.selected;
  if (typeof md['selected-by-default'] === 'boolean') return md['selected-by-default'];
  return true;
}

export interface ExportedSelection {
  select: string[];
  metadata: Record<string, Json>;
  /** Things `select` cannot say exactly; the exported catalog file still carries them. */
  notes: string[];
  selectedStreams: string[];
}

const STREAM_METADATA_KEYS = ['replication-method', 'replication-key'];

/** The `select` and `metadata` rules that give this catalog's selection when Meltano applies them. */
export function selectionRules(catalog: unknown): ExportedSelection {
  const out: ExportedSelection = { select: [], metadata: {}, notes: [], selectedStreams: [] };
  const streams = isPlainObject(catalog) && Array.isArray(catalog.streams) ? catalog.streams : [];
  for (const s of streams) {
    if (!isPlainObject(s) || typeof s.tap_stream_id !== 'string') continue;
    const id = s.tap_stream_id;
    const entries = Array.isArray(s.metadata) ? s.metadata.filter(isPlainObject) : [];
    const entry = (crumb: string[]): Json | undefined => {
      const e = entries.find((m) => sameCrumb(m.breadcrumb, crumb));
      return e && isPlainObject(e.metadata) ? e.metadata : undefined;
    };
    const streamMd = entry([]);
    const selected = nodeSelection(streamMd) === 'selected' || nodeSelection(streamMd) === 'automatic' || s.selected === true;
    if (!selected) continue;
    out.selectedStreams.push(id);
    const streamPattern = fnmatchEscape(id).replace(/\./g, '\\.');
    const props = isPlainObject(s.schema) && isPlainObject(s.schema.properties) ? Object.keys(s.schema.properties) : [];
    const chosen = props.filter((p) => propertyIsSelected(entry(['properties', p])));
    // Unsupported properties are never selected: no rule needs to say so.
    const dropped = props.filter((p) => !chosen.includes(p) && entry(['properties', p])?.inclusion !== 'unsupported');
    const awkward = props.filter((p) => p.includes('.') || !WORD.test(p));
    if (awkward.length > 0 && dropped.length > 0) {
      out.notes.push(`stream ${id}: properties ${awkward.map((p) => `"${p}"`).join(', ')} cannot be named in a select rule`);
    }
    if (dropped.length === 0) out.select.push(`${streamPattern}.*`);
    else if (dropped.length <= chosen.length) {
      out.select.push(`${streamPattern}.*`, ...dropped.map((p) => `!${streamPattern}.${fnmatchEscape(p)}`));
    } else if (chosen.length > 0) {
      out.select.push(...chosen.map((p) => `${streamPattern}.${fnmatchEscape(p)}`));
    } else {
      out.select.push(`${streamPattern}.*`);
      out.notes.push(`stream ${id} is selected with none of its properties, which a select rule cannot say; the rule selects them all`);
    }
    const md: Json = {};
    for (const key of STREAM_METADATA_KEYS) if (streamMd && streamMd[key] !== undefined && streamMd[key] !== null) md[key] = streamMd[key];
    if (Object.keys(md).length > 0) {
      if (id.includes('.')) out.notes.push(`stream ${id}: its metadata (${Object.keys(md).join(', ')}) cannot be written as a metadata rule, since the name has a dot`);
      else out.metadata[id] = md;
    }
  }
  return out;
}
