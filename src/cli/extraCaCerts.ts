/**
 * Node 20 reads the certificates NODE_EXTRA_CA_CERTS names as it starts, before any of the program
 * runs: ~35 ms for a system bundle (/etc/ssl/certs/ca-certificates.crt), more than everything the
 * command does before it spawns a short job's programs. Node 22.23 and 24 read them only for a TLS
 * connection; for them the sh in front costs ~1 ms. The command makes no TLS connection of its own,
 * but the programs it runs may (a tap behind a company proxy). So its launchers (the sh line at the
 * top of dist/cli.js, esbuild.mjs, and the integrated terminal's, terminalCli.ts) move the variable
 * aside before Node starts, and the command puts it back before anything reads its environment, so
 * every program it runs gets it as the user set it.
 */
export const EXTRA_CA_CERTS_ASIDE = 'SINGER_REPLICATION_NODE_EXTRA_CA_CERTS';

/** The sh that sets the variable aside; the launchers run it, then `exec` Node. */
export const SET_EXTRA_CA_CERTS_ASIDE = `[ -z "\${NODE_EXTRA_CA_CERTS-}" ] || { export ${EXTRA_CA_CERTS_ASIDE}="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }`;

/** Puts NODE_EXTRA_CA_CERTS back where a launcher set it aside; leaves an environment it did not touch as it is. */
export function restoreExtraCaCerts(env: NodeJS.ProcessEnv): void {
  const aside = env[EXTRA_CA_CERTS_ASIDE];
  if (aside === undefined) return;
  delete env[EXTRA_CA_CERTS_ASIDE];
  if (aside !== '') env.NODE_EXTRA_CA_CERTS = aside;
}
