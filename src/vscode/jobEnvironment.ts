/**
 * What a tap or target inherits from the extension host's environment. The host's own plumbing
 * (VS Code's IPC handles, ELECTRON_RUN_AS_NODE, which would turn an Electron-based program into
 * Node) is not the user's environment and must not reach a job; everything else does, as in a
 * terminal, so a tap finds the same PATH, proxies and credentials it finds on the command line.
 */
const HOST_ONLY = /^(VSCODE_|ELECTRON_|APPLICATION_INSIGHTS_|CHROME_|ORIGINAL_XDG_CURRENT_DESKTOP$)/;

export function jobEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!HOST_ONLY.test(k) && v !== undefined) out[k] = v;
  return out;
}
