// Every config key is documented in the README and in `config-reference`, with its default and,
// where it has one, its command-line flag.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { configReference } from '../../src/cli/config-reference-command.js';
import { envName, loadConfig } from '../../src/config/load.js';
import { configKeys } from '../../src/config/schema.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

t.test('README documents every key with its default and environment name', async (t) => {
  for (const spec of configKeys) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${spec.key}\` |`) && line.includes(envName(spec)));
    t.ok(row, `${spec.section}.${spec.key} has a README row`);
    t.ok(row?.includes(`\`${JSON.stringify(spec.default)}\``), `${spec.section}.${spec.key} row shows its default`);
    const flag = row?.match(/ Flag: `--([a-z-]+)`\. \|$/)?.[1];
    t.equal(flag, spec.cli, `${spec.section}.${spec.key} row names its flag, if any`);
  }
});

t.test('config-reference prints every key', async (t) => {
  const text = configReference();
  for (const spec of configKeys) {
    t.ok(text.includes(`${spec.key} = ${JSON.stringify(spec.default)}`), spec.key);
    if (spec.cli) t.ok(text.includes(`# type: ${spec.type === 'enum' ? spec.values?.join(' | ') : spec.type}; environment: ${envName(spec)}; flag: --${spec.cli}\n${spec.key} =`), `${spec.key}: flag --${spec.cli}`);
  }
});

t.test('the printed reference is itself a valid config equal to the defaults', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-ref-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.toml');
  writeFileSync(file, configReference());
  t.same(loadConfig({ file }), loadConfig({ baseDir: dir }));
});
