// `import-acme-dns`, `backup` and `restore` on broken inputs: the database, the config, and every
// other file they read or write. One line naming the file, exit 1 or 2 as documented, no stack,
// nothing changed.
import { join } from 'node:path';
import t from 'tap';
import { makeBrokenInputs, runTable, storeCases, type Case } from './bad-input-fixture.js';

// Dozens of CLI runs, each a few hundred milliseconds of CPU: more than the default on a busy machine.
t.setTimeout(900_000);
const inputs = makeBrokenInputs(t);
const { at } = inputs;

t.test('import-acme-dns', async (t) => {
  const newDb = ['--db', at('new.db')];
  await runTable(t, inputs, [
    ...storeCases(inputs, ['import-acme-dns', '--from', at('acme-dns.db')], 'creates'),
    { args: ['import-acme-dns', '--from', at('random.db'), ...newDb], status: 1, says: /is not an SQLite database/, names: at('random.db') },
    { args: ['import-acme-dns', '--from', at('foreign.db'), ...newDb], status: 1, says: /is not an acme-dns database/, names: at('foreign.db') },
    { args: ['import-acme-dns', '--from', at('folder.db'), ...newDb], status: 1, says: /is a folder/, names: at('folder.db') },
    { args: ['import-acme-dns', '--from', at('missing.db'), ...newDb], status: 1, says: /no such file/, names: at('missing.db') },
    { args: ['import-acme-dns', '--from', at('locked.db'), ...newDb], status: 1, says: /permission denied/, names: at('locked.db'), asNobody: true },
    { args: ['import-acme-dns', '--acme-dns-config', at('missing.cfg')], status: 1, says: /cannot read/, names: at('missing.cfg') },
    { args: ['import-acme-dns', '--acme-dns-config', at('broken.toml')], status: 1, says: /invalid TOML/, names: at('broken.toml') },
    { args: ['import-acme-dns', '--acme-dns-config', at('acme-dns.cfg'), '--write-config', at('existing.toml')], status: 1, says: /already exists/, names: at('existing.toml') },
    { args: ['import-acme-dns', '--acme-dns-config', at('acme-dns.cfg'), '--write-config', join(at('readonly'), 'config.toml')], status: 1, says: /permission denied/, names: join(at('readonly'), 'config.toml'), asNobody: true },
    { args: ['import-acme-dns', ...newDb], status: 2, says: /needs --from/, names: '--from' },
  ]);
});

t.test('backup', async (t) => {
  await runTable(t, inputs, [
    ...storeCases(inputs, ['backup', '--to', at('backup-out.db')], 'needs'),
    { args: ['backup', '--db', at('open/ours.db'), '--to', join(at('readonly'), 'b.db')], status: 1, says: /cannot write into .*: permission denied/, names: at('readonly'), asNobody: true },
    { args: ['backup', '--db', at('ours.db'), '--to', at('folder.db')], status: 1, says: /is a folder/, names: at('folder.db') },
    { args: ['backup', '--db', at('ours.db'), '--to', at('existing.toml')], status: 1, says: /already exists; add --force/, names: at('existing.toml') },
    { args: ['backup', '--db', at('ours.db'), '--to', join(at('missing'), 'b.db')], status: 1, says: /the folder does not exist/, names: at('missing') },
    { args: ['backup', '--db', at('ours.db')], status: 2, says: /needs --to FILE/, names: '--to' },
  ]);
});

t.test('restore', async (t) => {
  const badBackups: Case[] = [
    ['random.db', /is not an SQLite database/],
    ['foreign.db', /is not an acme-delegate database/],
    ['newer.db', /newer than this program knows/],
    ['folder.db', /is a folder; give the backup file/],
    ['missing.db', /no backup at/],
  ].map(([name, says]) => ({ args: ['restore', '--db', at('ours.db'), '--from', at(name as string)], status: 1, says: says as RegExp, names: at(name as string) }));
  await runTable(t, inputs, [
    ...badBackups,
    { args: ['restore', '--db', at('ours.db'), '--from', at('locked.db')], status: 1, says: /cannot read .*: permission denied/, names: at('locked.db'), asNobody: true },
    { args: ['restore', '--db', join(at('readonly'), 'r.db'), '--from', at('backup.db')], status: 1, says: /cannot write into .*: permission denied/, names: at('readonly'), asNobody: true },
    { args: ['restore', '--db', at('folder.db'), '--from', at('backup.db')], status: 1, says: /is a folder/, names: at('folder.db') },
    { args: ['restore', '--db', at('ours.db')], status: 2, says: /needs --from FILE/, names: '--from' },
    { args: ['restore', '--config', at('broken.toml'), '--from', at('backup.db')], status: 2, says: /invalid TOML/, names: at('broken.toml') },
    { args: ['restore', '--from', at('backup.db'), '--no-such-flag'], status: 2, says: /Unknown option/, names: '--no-such-flag' },
  ]);
});

