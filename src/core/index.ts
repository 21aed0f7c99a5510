/**
 * The engine as the extension loads it, after activation has returned: everything heavy (zod,
 * lowdb, croner, yaml) sits behind this entry, bundled on its own as dist/core.js.
 */
export { Workspace, type SchedulerStatus, type WorkspaceOptions } from './workspace';
export { DEFAULT_SETTINGS, settingsFrom, type SingerSettings } from './settings';
export { CLI_LABELS, commandFrom, envFrom, fileRefFrom, missingPrograms, nameProblem, newIntegration, scheduleFrom, type FieldLabels } from './newIntegration';
export { validateCron, compileCron } from './schedule/cron';
export { describeSchedule } from './schedule/resolve';
export { joinCommand, splitCommand } from './argv';
export { secretNamesIn } from './secrets';
export { configFilesOf } from './stages';
export * as meltano from './meltano';
export { applySettingsPatch, checkSettingsForm, settingsView, upcomingRuns } from './settingsCheck';
// The settings page's protocol (zod), loaded with the engine: the host checks the page's messages with
// the same schemas the page checks the host's with.
export { parseToHost } from '../webview/protocol';
