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
      lines.push(`# type: ${type}; environment: ${envName(spec)}${spec.cli ? `; flag: --${spec.cli}` : ''}`);
      lines.push(`${spec.key} = ${JSON.stringify(spec.default)}`);
      lines.push('');
    }
  }
  return lines.join('\n');
}

export const configReferenceHelp = `Usage: acme-delegate config-reference

Prints every configuration key as commented TOML: its meaning, type, environment variable,
command-line flag (where it has one) and default. Redirect it to a file for a starting config.`;

export async function runConfigReferenceCommand(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(configReferenceHelp + '\n');
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`acme-delegate config-reference: takes no arguments\n\n${configReferenceHelp}\n`);
    return 2;
  }
  process.stdout.write(configReference() + '\n');
  return 0;
}
