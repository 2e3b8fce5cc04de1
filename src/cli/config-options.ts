// Command-line flags that override config keys, for every command that reads the config. Which
// keys have one, its name and its help all come from the key's declaration in config/schema.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { configKeys, type Config, type KeySpec } from '../config/schema.js';
import { loadConfig } from '../config/load.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

const HELP_WIDTH = 100;
/** "  --name VALUE" is padded to this; the help text starts one column after. */
const NAME_WIDTH = 24;
const HELP_INDENT = ' '.repeat(2 + NAME_WIDTH + 1);

/** The keys an operator may set per run, each with the flag the schema names (`cli`). */
const flagged = configKeys.filter((k): k is KeySpec & { readonly cli: string } => k.cli !== undefined);

export const configOptionSpecs: OptionSpecs = {
  config: { type: 'string', short: 'c' },
  ...Object.fromEntries(flagged.map((k) => [k.cli, { type: 'string', multiple: k.type === 'string[]' }])),
};

export const configOptionsHelp = ['  -c, --config FILE        TOML config file (default: embedded defaults)', ...flagged.map(flagHelp)].join('\n');

/** "--name VALUE   summary of the key's doc [section.key]", wrapped under the summary column. */
function flagHelp(k: KeySpec & { readonly cli: string }): string {
  const name = `--${k.cli} ${k.type === 'string[]' ? 'VALUE...' : 'VALUE'}`;
  const repeatable = k.type === 'string[]' ? ' (repeatable)' : '';
  const oneOf = k.values ? ` One of ${k.values.join('|')}.` : '';
  const words = `${docSummary(k.doc)}${repeatable}${oneOf} [${k.section}.${k.key}]`.split(' ');
  const lines = [`  ${name.padEnd(NAME_WIDTH)} ${words.shift() ?? ''}`];
  for (const word of words) {
    if (lines.at(-1)!.length + 1 + word.length > HELP_WIDTH) lines.push(HELP_INDENT + word);
    else lines[lines.length - 1] += ' ' + word;
  }
  return lines.join('\n');
}

/** A key's doc cut for --help: its first sentence and what it defaults to; config-reference has the rest. */
function docSummary(doc: string): string {
  const sentences = doc.split(/(?<=\.)\s+(?=[A-Z])/);
  return [sentences[0], ...sentences.slice(1).filter((s) => s.startsWith('Default:'))].join(' ');
}

/** Loads the config named by --config, with environment variables and flags applied. */
export function configFromOptions(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Config {
  const overrides: Record<string, string | string[]> = {};
  for (const k of flagged) {
    const value = values[k.cli];
    if (value !== undefined) overrides[`${k.section}.${k.key}`] = value as string | string[];
  }
  const file = typeof values.config === 'string' ? values.config : undefined;
  return loadConfig({ file, env, overrides });
}

const helpFlag = { help: { type: 'boolean', short: 'h' } } as const;

interface CommandArgs<O extends OptionSpecs> {
  args: string[];
  options: typeof configOptionSpecs & O & typeof helpFlag;
  strict: true;
}

/**
 * A command's own flags plus the config flags and -h/--help, parsed strictly. undefined when
 * help was asked for (it has been printed): the command then exits 0.
 */
export function parseCommandFlags<O extends OptionSpecs>(
  argv: string[],
  options: O,
  help: string,
): ReturnType<typeof parseArgs<CommandArgs<O>>>['values'] | undefined {
  const { values } = parseArgs<CommandArgs<O>>({ args: argv, options: { ...configOptionSpecs, ...options, ...helpFlag }, strict: true });
  if ((values as { help?: boolean }).help) {
    process.stdout.write(help + '\n');
    return undefined;
  }
  return values;
}
