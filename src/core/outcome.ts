/** How a job ended, told from what the pipeline saw (DESIGN rules 9-12, §5). */
import type { JobStatus } from './model';
import type { PipelineResult } from './pipeline';

export interface Outcome {
  status: JobStatus;
  error: string | null;
}

/**
 * `fault` is why the runner ended the job itself (its log or state could no longer be written): it
 * comes first, since the user must act on it before the next job.
 */
export function judge(r: PipelineResult, name: string, fault: string | null): Outcome {
  const tail = (lines: string[]): string => (lines.length ? `: ${lines.slice(-5).join(' | ')}` : '');
  if (r.spawnError !== null) return { status: 'Failed', error: r.spawnError };
  if (fault !== null) return { status: 'Failed', error: fault };
  if (r.badLine) {
    return {
      status: 'Failed',
      error: `tap output line ${r.badLine.lineNumber} is not a Singer message (${r.badLine.reason}): ${r.badLine.excerpt}`,
    };
  }
  if (r.targetEndedFirst || (r.targetExitCode !== null && r.targetExitCode !== 0)) {
    return { status: 'Failed', error: `the target failed (exit code ${r.targetExitCode})${tail(r.targetErrorTail)}` };
  }
  if (r.mapperFailure) return { status: 'Failed', error: r.mapperFailure.message };
  if (r.stopped) return { status: 'Cancelled', error: `stopped by the user; the next job of ${name} resumes from the saved state` };
  if (r.tapExitCode !== 0) return { status: 'Failed', error: `the tap failed (exit code ${r.tapExitCode})${tail(r.tapErrorTail)}` };
  return { status: 'Succeeded', error: null };
}
