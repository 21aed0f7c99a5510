/** `add`: validates everything it can before writing, and starts nothing (DESIGN §5). */
import type { Engine } from '../core/engine';
import { newIntegration, type NewIntegrationInput } from '../core/newIntegration';
import type { Io } from './output';

export async function addCommand(engine: Engine, a: NewIntegrationInput, io: Io): Promise<number> {
  const { integration, warnings } = newIntegration(engine.paths, a);
  const it = await engine.add(integration);
  for (const w of warnings) io.err(`warning: ${w}`);
  io.out(`added ${it.name}${it.paused ? ' (paused)' : ''}; a running scheduler (a VS Code window or \`singer-replication schedule\`) starts its first job.`);
  return 0;
}
