/**
 * The engine, loaded on first use after activation has returned: dist/core.js beside this bundle
 * (esbuild.mjs keeps it out of dist/extension.js). Only types come from src/core at build time.
 */
import type * as CoreModule from '../core/index';

export type Core = typeof CoreModule;

let loaded: Core | undefined;

export function core(): Core {
  // A plain require of the sibling bundle: esbuild leaves './core.js' external.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('./core.js') as Core);
}
