// `bootstrap`, `check`, `config-reference` and the dispatcher on broken inputs: the database,
// the config, the files they read. One line naming the file, exit 1 or 2 as documented, no
// stack, nothing changed. (import-acme-dns, backup, restore: bad-input-files.test.ts.)
import t from 'tap';
import { makeBrokenInputs, runTable, storeCases } from './bad-input-fixture.js';

// Dozens of CLI runs, each a few hundred milliseconds of CPU: more than the default on a busy machine.
t.setTimeout(900_000);
const inputs = makeBrokenInputs(t);
const { at } = inputs;
// Never used: each case fails on its input before the credential is.
const cloudflare = { CLOUDFLARE_API_TOKEN: 'cfut_NeverUsedTheInputIsCheckedFirst0123456789abcd', CLOUDFLARE_BASE_URL: 'http://127.0.0.1:9' };

t.test('bootstrap', async (t) => {
  await runTable(t, inputs, [
    ...storeCases(inputs, ['bootstrap', '--zone', 'auth.example.org', '-d', 'www.example.com', '--dry-run'], 'optional', cloudflare),
    // Without CLOUDFLARE_BASE_URL (and its note on stderr): --out is checked before any request.
    { args: ['bootstrap', '--db', at('ours.db'), '-d', 'www.example.com', '--out', at('existing.toml')], status: 2, says: /is not a folder/, names: at('existing.toml'), env: { CLOUDFLARE_API_TOKEN: cloudflare.CLOUDFLARE_API_TOKEN } },
    { args: ['bootstrap', '--db', at('ours.db'), '--domains-file', at('missing.txt'), '--dry-run'], status: 2, says: /cannot read --domains-file/, names: at('missing.txt'), env: cloudflare },
  ]);
});

t.test('check', async (t) => {
  await runTable(t, inputs, [
    ...storeCases(inputs, ['check', '-d', 'www.example.com', '--resolver', '127.0.0.1:9'], 'optional'),
    { args: ['check', '-d', 'www.example.com', '--db', at('ours.db'), '--resolver', '127.0.0.1:9'], status: 1, says: /did not answer about .*ECONNREFUSED/, names: '127.0.0.1:9' },
    { args: ['check', '-d', 'www.example.com', '--db', at('ours.db'), '--resolver', 'nonsense'], status: 2, says: /--resolver: Invalid IP address/, names: 'nonsense' },
  ]);
});

t.test('config-reference and the dispatcher', async (t) => {
  await runTable(t, inputs, [
    { args: ['config-reference', 'extra'], status: 2, says: /takes no arguments/, names: 'config-reference' },
    { args: ['no-such-command'], status: 2, says: /unknown command/, names: 'no-such-command' },
  ]);
});
