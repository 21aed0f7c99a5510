/**
 * What import and export tell the user: one list of lines, each saying where (file and line when
 * there is one) and what happened, so nothing is dropped silently. Formatting is plain text that the
 * CLI prints and the extension can show in an output channel or a document.
 */

export type ReportLevel = 'info' | 'warning' | 'unsupported';

export interface ReportLine {
  level: ReportLevel;
  /** `meltano.yml line 12`, or null when the line is about the whole run. */
  where: string | null;
  /** The integration it concerns, if any. */
  integration: string | null;
  message: string;
}

export class Report {
  readonly lines: ReportLine[] = [];

  add(level: ReportLevel, message: string, where: string | null = null, integration: string | null = null): void {
    if (this.lines.some((l) => l.level === level && l.message === message && l.where === where && l.integration === integration)) return;
    this.lines.push({ level, where, integration, message });
  }
}

const HEADINGS: Record<ReportLevel, string> = {
  unsupported: 'Not carried over',
  warning: 'Check',
  info: 'Notes',
};

/** The report as text: unsupported pieces first, then warnings, then notes. */
export function formatReportLines(lines: readonly ReportLine[]): string[] {
  const out: string[] = [];
  for (const level of ['unsupported', 'warning', 'info'] as const) {
    const some = lines.filter((l) => l.level === level);
    if (some.length === 0) continue;
    out.push(`${HEADINGS[level]}:`);
    for (const l of some) {
      const prefix = [l.where, l.integration].filter((x) => x !== null).join(', ');
      out.push(`  - ${prefix ? `${prefix}: ` : ''}${l.message}`);
    }
  }
  return out;
}
