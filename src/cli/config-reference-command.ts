// `acme-delegate config-reference`: every config key with type, default, env name and meaning.
import { envName } from '../config/load.js';
import { configKeys, configSections } from '../config/schema.js';

export function configReference(): string {
  const lines: string[] = ['# acme-delegate configuration reference (TOML)', ''];
  for (const section of configSections) {
    lines.push(`[${section}]`);
    for (const spec of configKeys.filter((k) => k.section === section)) {
      const type = spec.type === 'enum' ? (spec.values ?? []).join(' | ') : spec.type;
      lines.push(`# ${spec.doc}`);
      lines.push(`# type: ${type}; environment: ${envName(spec)}`);
      lines.push(`${spec.key} = ${JSON.stringify(spec.default)}`);
      lines.push('');
    }
  }
  return lines.join('\n');
}

export async function runConfigReferenceCommand(_argv: string[]): Promise<number> {
  process.stdout.write(configReference() + '\n');
  return 0;
}
