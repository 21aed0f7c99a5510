// Every command, view and status-bar id the extension uses, in one place, so package.json and the
// code cannot drift apart silently (the extension-host suite checks the commands are registered).
export const COMMANDS = {
  createIntegration: 'singer.createIntegration',
  refresh: 'singer.refresh',
  importMeltano: 'singer.importMeltanoProject',
  exportMeltano: 'singer.exportMeltanoProject',
} as const;

export const VIEWS = {
  container: 'singer',
  integrations: 'singer.integrations',
} as const;

export const STATUS_BAR_ID = 'singer.syncState';
