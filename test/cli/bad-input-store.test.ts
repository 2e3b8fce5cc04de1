// `serve` and every `account` action on broken databases and configs: one line naming the file,
// exit 1 (the database cannot be used) or 2 (bad command line or config), nothing changed.
import t from 'tap';
import { makeBrokenInputs, runTable, storeCases } from './bad-input-fixture.js';

const inputs = makeBrokenInputs(t);
const { username } = inputs;

t.test('serve', async (t) => {
  await runTable(t, inputs, storeCases(inputs, ['serve', '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0'], 'creates'));
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
