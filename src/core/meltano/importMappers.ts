/**
 * A pipeline's mappers as mapper stages (DESIGN §5 "Mapper stages"). A job names a mapping of a mapper
 * plugin (`tap-a hide-ids target-b`); Meltano then runs the mapper with the mapping's config over the
 * mapper's settings (defaults, `<MAPPER>_<SETTING>` variables, the environment's overrides), leaving out
 * the mapper's own `config:` (meltano/core/meltano_file.py `get_plugins_for_mappings`). Where Meltano
 * accepts the mapper plugin's own name in a job, it runs it with the plugin's config.
 */
import { environmentOverride, literalEnv, mappingConfig, pluginConfig, type ConfigContext } from './importConfig';
import type { MapperUse } from './importPipelines';
import { resolvePlugin, type MeltanoProject, type ResolvedPlugin } from './project';
import type { Report } from './report';
import { where } from './yamlFile';

export interface PlannedMapper {
  /** The stage's name: the mapping's, or the plugin's. */
  name: string;
  plugin: ResolvedPlugin;
  mapping: string | null;
  config: Record<string, unknown>;
  /** What meltano.yml sets in the mapper's `env:` (literal values), and what it could not resolve. */
  env: ReturnType<typeof literalEnv>;
}

export interface MapperContext {
  environment: { config?: unknown } | null;
  /** The variables every plugin sees (Meltano's, the project's and the environment's). */
  baseEnv: Record<string, string>;
  ctx: (plugin: ResolvedPlugin, literal: Record<string, string>) => ConfigContext;
  report: Report;
  integration: string;
}

export function planMappers(project: MeltanoProject, uses: readonly MapperUse[], m: MapperContext): PlannedMapper[] {
  return uses.map((use) => {
    const mapper = resolvePlugin(project, 'mappers', use.plugin);
    const at = where(mapper.located.file, mapper.located.path);
    if (mapper.definitionNote) m.report.add('warning', `${mapper.name}: ${mapper.definitionNote}`, at, m.integration);
    const override = environmentOverride(m.environment, 'mappers', mapper.name);
    const env = literalEnv(m.baseEnv, [mapper.env, override?.env ?? {}]);
    let config: Record<string, unknown>;
    if (use.mapping !== null) {
      const mapping = mapper.mappings.find((x) => x.name === use.mapping)!;
      const c = m.ctx({ ...mapper, config: mapper.inheritedConfig }, env.values);
      config = { ...pluginConfig(c, override), ...mappingConfig(c, mapping.config) };
      if (JSON.stringify(mapper.config) !== JSON.stringify(mapper.inheritedConfig)) {
        m.report.add('info', `mapping ${use.mapping}: as in Meltano, the config of ${mapper.name} itself does not apply to its mappings, only the mapping's config and ${mapper.name}'s settings`, at, m.integration);
      }
    } else {
      config = pluginConfig(m.ctx(mapper, env.values), override);
    }
    return { name: use.mapping ?? mapper.name, plugin: mapper, mapping: use.mapping, config, env };
  });
}
