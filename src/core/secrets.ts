/**
 * Secrets (DESIGN rule 16): config may say `{"$secret": "NAME"}`; the value comes from VS Code's
 * SecretStorage in the editor and from the environment variable SINGER_SECRET_NAME on the command line.
 * Resolved values are written only to a temp config file readable by the user alone, and redacted from logs.
 */
import { MissingSecretError } from './errors';

export type SecretResolver = (name: string) => Promise<string | undefined>;

export const SECRET_ENV_PREFIX = 'SINGER_SECRET_';

export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return async (name) => env[`${SECRET_ENV_PREFIX}${name}`];
}

function isSecretRef(v: unknown): v is { $secret: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $secret?: unknown }).$secret === 'string';
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
    found.add(v);
    return v;
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveSecrets(v, resolve, where, found)));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveSecrets(v, resolve, where, found);
    return out;
  }
  return value;
}
