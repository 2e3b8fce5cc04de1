// `serve` and every `account` action on broken databases and configs: one line naming the file,
// exit 1 (the database cannot be used) or 2 (bad command line or config), nothing changed.
import { createServer, type AddressInfo } from 'node:net';
import t from 'tap';
import { makeBrokenInputs, runTable, storeCases } from './bad-input-fixture.js';

// Dozens of CLI runs, each a few hundred milliseconds of CPU: more than the default on a busy machine.
t.setTimeout(900_000);
const inputs = makeBrokenInputs(t);
const { username } = inputs;

t.test('serve', async (t) => {
  // A port someone else holds, for both listeners (TCP: the API, and DNS over TCP).
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.teardown(() => holder.close());
  const taken = `127.0.0.1:${(holder.address() as AddressInfo).port}`;
  const db = ['--db', inputs.at('ours.db')];
  await runTable(t, inputs, [
    ...storeCases(inputs, ['serve', '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0'], 'creates'),
    { args: ['serve', ...db, '--log-level', 'warn', '--dns-listen', '127.0.0.1:0', '--api-listen', taken], status: 1, says: /cannot listen for the API on .*EADDRINUSE/, names: taken },
    { args: ['serve', ...db, '--dns-listen', taken, '--api-listen', '127.0.0.1:0'], status: 1, says: /cannot listen for DNS: .*EADDRINUSE/, names: taken },
    { args: ['serve', ...db, '--api-listen', 'localhost'], status: 2, says: /api\.listen/, names: 'localhost' },
  ]);
});

t.test('account', async (t) => {
  // Every action opens the store the same way: all inputs for add (creates) and list (needs),
  // the database-level ones for the others.
  const others = [['show', username], ['revoke', username], ['rotate', username], ['allowfrom', username, '10.0.0.0/8'], ['delete', username], ['audit']];
  await runTable(t, inputs, [
    ...storeCases(inputs, ['account', 'add'], 'creates'),
    ...storeCases(inputs, ['account', 'list'], 'needs'),
    ...others.flatMap((action) => storeCases(inputs, ['account', ...action], 'needs').filter((c) => /random|missing|foreign/.test(c.args.join(' ')))),
    { args: ['account', 'frobnicate', '--db', inputs.at('ours.db')], status: 2, says: /unknown account action/, names: 'frobnicate' },
    { args: ['account', 'show', '--db', inputs.at('ours.db')], status: 2, says: /needs a USERNAME/, names: 'account show' },
    { args: ['account', 'audit', '--limit', 'lots', '--db', inputs.at('ours.db')], status: 2, says: /--limit must be a positive integer/, names: 'lots' },
    { args: ['account', 'allowfrom', username, 'not-a-cidr', '--db', inputs.at('ours.db')], status: 2, says: /not-a-cidr/, names: 'not-a-cidr' },
    { args: ['account', 'show', '00000000-0000-4000-8000-00000000dead', '--db', inputs.at('ours.db')], status: 1, says: /no account with username/, names: '00000000-0000-4000-8000-00000000dead' },
  ]);
});
