/**
 * Secrets (DESIGN rule 16): config may say `{"$secret": "NAME"}`; the value comes from VS Code's
 * SecretStorage in the editor and from the environment variable SINGER_SECRET_NAME on the command line.
 * Resolved values are written only to a temp config file readable by the user alone, and redacted from logs.
 * A reference may carry the setting's kind (`{"$secret": "DB_PORT", "kind": "integer"}`, DESIGN §5 "Typed
 * secrets"): the text is then converted as Meltano converts such a setting (settingKinds.ts), or the run is refused.
 */
import { MissingSecretError, usageError } from './errors';
import { convertByKind, isSecretKind, KIND_WORDS, SECRET_KINDS } from './settingKinds';

export type SecretResolver = (name: string) => Promise<string | undefined>;

export const SECRET_ENV_PREFIX = 'SINGER_SECRET_';

export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return async (name) => env[`${SECRET_ENV_PREFIX}${name}`];
}

export interface SecretRef {
  $secret: string;
  /** One of SECRET_KINDS; any other word refuses the run with a sentence that lists them. */
  kind?: string;
}

/** `{"$secret": NAME}`, or `{"$secret": NAME, "kind": KIND}`. */
export function isSecretRef(v: unknown): v is SecretRef {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  return typeof o.$secret === 'string' && keys.every((k) => k === '$secret' || (k === 'kind' && typeof o.kind === 'string'));
}

/** The secret names a config refers to, e.g. to offer them in "Singer: Set Secret". */
export function secretNamesIn(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (isSecretRef(value)) into.add(value.$secret);
  else if (Array.isArray(value)) for (const v of value) secretNamesIn(v, into);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) secretNamesIn(v, into);
  return into;
}

export function hasSecrets(value: unknown): boolean {
  if (isSecretRef(value)) return true;
  if (Array.isArray(value)) return value.some(hasSecrets);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(hasSecrets);
  return false;
}

/** Replaces every reference by its value; collects the values so the log can redact them. */
export async function resolveSecrets(
  value: unknown,
  resolve: SecretResolver,
  where: string,
  found: Set<string>,
): Promise<unknown> {
  if (isSecretRef(value)) {
    const v = await resolve(value.$secret);
    if (v === undefined) {
      throw new MissingSecretError(
        `${where} refers to the secret "${value.$secret}", which is not set. On the command line set the environment variable ` +
          `${SECRET_ENV_PREFIX}${value.$secret}; in VS Code run "Singer: Set Secret".`,
        value.$secret,
      );
    }
    const kind = value.kind ?? 'string';
    if (!isSecretKind(kind)) {
      throw usageError(`${where} gives the secret "${value.$secret}" the kind "${kind}", which is none of ${SECRET_KINDS.join(', ')}: fix the kind in the config file.`);
    }
    const converted = convertByKind(v, kind);
    if (!converted.ok) {
      // The value is not repeated: it may be a credential of the wrong kind.
      throw usageError(
        `${where} takes the secret "${value.$secret}" as ${KIND_WORDS[kind]} (kind ${kind}), but its value is not one (${converted.reason}): ` +
          `set ${SECRET_ENV_PREFIX}${value.$secret} (in VS Code: "Singer: Set Secret") to such a value.`,
      );
    }
    // Flags and numbers are not redacted: hiding every "1" or "false" would garble the log.
    if (kind === 'string' || kind === 'array' || kind === 'object') found.add(v);
    return converted.value;
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveSecrets(v, resolve, where, found)));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveSecrets(v, resolve, where, found);
    return out;
  }
  return value;
}

