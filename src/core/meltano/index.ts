/**
 * Meltano interop: import a Meltano project's pipelines as integrations, and export integrations to
 * a runnable Meltano project. Pure core (no 'vscode', no console output): every call returns what it
 * did and a report, which the CLI prints and the extension shows.
 */
export { ANNOTATION, exportMeltanoProject, formatExportResult, programName, type ExportedIntegration, type MeltanoExportOptions, type MeltanoExportResult } from './export';
export {
  applyMeltanoImport,
  formatImportResult,
  importMeltanoProject,
  planMeltanoImport,
  type ImportedProgram,
  type MeltanoImportOptions,
  type MeltanoImportPlan,
  type MeltanoImportResult,
  type PlannedIntegration,
} from './import';
export { MELTANO_FILE, hasMeltanoProject, loadMeltanoProject } from './project';
export { formatReportLines, type ReportLevel, type ReportLine } from './report';
export { cronToInterval, frequencyToCron, intervalToSchedule, MELTANO_INTERVAL, scheduleToInterval } from './schedule';
export { applyCatalogRules, selectionRules } from './selection';
