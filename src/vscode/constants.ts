// Every command, view, context key and setting id the extension uses, in one place, so package.json
// and the code cannot drift apart silently (the extension-host suite checks both).
export const COMMANDS = {
  createIntegration: 'singer.createIntegration',
  startExtraction: 'singer.startExtraction',
  startFullReplication: 'singer.startFullReplication',
  stopExtraction: 'singer.stopExtraction',
  pauseIntegration: 'singer.pauseIntegration',
  resumeIntegration: 'singer.resumeIntegration',
  openSettings: 'singer.openSettings',
  showLog: 'singer.showLog',
  resetState: 'singer.resetState',
  deleteIntegration: 'singer.deleteIntegration',
  setSecret: 'singer.setSecret',
  deleteSecret: 'singer.deleteSecret',
  refresh: 'singer.refresh',
  showOlderLogs: 'singer.showOlderLogs',
  importMeltano: 'singer.importMeltanoProject',
  exportMeltano: 'singer.exportMeltanoProject',
} as const;

export const VIEWS = {
  container: 'singer',
  integrations: 'singer.integrations',
} as const;

export const STATUS_BAR_ID = 'singer.syncState';

/** Context keys for `when` clauses in package.json. */
export const CONTEXT = {
  hasIntegrations: 'singer.hasIntegrations',
  anyRunning: 'singer.anyRunning',
  anyIdle: 'singer.anyIdle',
  anyPaused: 'singer.anyPaused',
  anyActive: 'singer.anyActive',
} as const;

export const LOG_SCHEME = 'singer-log';
export const LOG_LANGUAGE = 'singer-log';
export const OUTPUT_CHANNEL = 'Singer Replication';

/** VS Code's own command that opens the Workspace Trust editor. */
export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';
