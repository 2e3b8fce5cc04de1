// Dynamic-DNS slots in the store: an account kind that serves addresses, never TXT; an update that
// asks for what is served writes nothing; every change is journaled (kind ddns) and announced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Store, type SlotChange } from '../../src/store/store.js';

const open = (path = ':memory:'): Store => Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 604800 });
const TOKEN = 'LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo';

function withSlots(store: Store): void {
  store.createAccount({ username: 'dyn', passwordHash: 'x', subdomain: 'home', allowfrom: [], kind: 'ddns' });
  store.createAccount({ username: 'acme', passwordHash: 'x', subdomain: 'chal', allowfrom: [] });
}

t.test('a ddns account has its kind; an ACME account is "acme" by default', async (t) => {
  const store = open();
  t.teardown(() => store.close());
  withSlots(store);
  t.equal(store.getAccount('dyn')?.kind, 'ddns');
  t.equal(store.getAccount('acme')?.kind, 'acme');
  t.same(store.slotAddresses('home'), { ipv4: null, ipv6: null }, 'no address before the first update');
});

t.test('setAddresses: families set independently, null removes, a repeat writes nothing', async (t) => {
  const store = open();
  t.teardown(() => store.close());
  withSlots(store);
  const changes: SlotChange[] = [];
  store.on('change', (c) => changes.push(c));
  const serial0 = store.serial();
  t.same(store.setAddresses({ subdomain: 'home', ipv4: '203.0.113.7' }), { changed: true, addresses: { ipv4: '203.0.113.7', ipv6: null } });
  t.same(store.setAddresses({ subdomain: 'home', ipv6: '2001:db8::7' }), { changed: true, addresses: { ipv4: '203.0.113.7', ipv6: '2001:db8::7' } }, 'IPv6 alone keeps the IPv4');
  t.same(changes.map((c) => [c.subdomain, c.values, c.kind]), [
    ['home', ['203.0.113.7'], 'ddns'],
    ['home', ['203.0.113.7', '2001:db8::7'], 'ddns'],
  ]);
  const serial = store.serial();
  t.ok(serial > serial0);
  const events = store.auditEvents().length;
  t.same(store.setAddresses({ subdomain: 'home', ipv4: '203.0.113.7', ipv6: '2001:db8::7' }).changed, false, 'the same addresses: nochg');
  t.equal(store.serial(), serial, 'no serial bump');
  t.equal(store.auditEvents().length, events, 'no audit event: nothing written');
  t.equal(changes.length, 2, 'no change event');
  t.same(store.setAddresses({ subdomain: 'home', ipv6: null }).addresses, { ipv4: '203.0.113.7', ipv6: null }, 'null removes a family');
  const journal = store.journalSince(serial0, store.serial());
  t.same(
    journal?.flatMap((step) => step.slots.map((s) => [s.before, s.after, s.kind])),
    [
      [[], ['203.0.113.7'], 'ddns'],
      [['203.0.113.7'], ['203.0.113.7', '2001:db8::7'], 'ddns'],
      [['203.0.113.7', '2001:db8::7'], ['203.0.113.7'], 'ddns'],
    ],
    'each change journaled with its kind, for IXFR',
  );
});

t.test('the two kinds never cross: no TXT on a ddns slot, no address on an ACME slot', async (t) => {
  const store = open();
  t.teardown(() => store.close());
  withSlots(store);
  const serial = store.serial();
  t.throws(() => store.addTxtValue('home', TOKEN), { code: 'slot_not_found' });
  t.throws(() => store.setAddresses({ subdomain: 'chal', ipv4: '203.0.113.7' }), { code: 'slot_not_found' });
  t.throws(() => store.setAddresses({ subdomain: 'nope', ipv4: '203.0.113.7' }), { code: 'slot_not_found' });
  t.throws(() => store.setAddresses({ subdomain: 'home', ipv4: '2001:db8::1' }), { code: 'bad_address' });
  t.throws(() => store.setAddresses({ subdomain: 'home', ipv6: '203.0.113.7' }), { code: 'bad_address' });
  t.equal(store.serial(), serial, 'nothing written');
  t.same(store.slotValues('home'), []);
  t.same(store.slotAddresses('chal'), { ipv4: null, ipv6: null });
});

t.test('listSlots gives ddns slots with their addresses; revoke and delete remove them (journaled)', async (t) => {
  const store = open();
  t.teardown(() => store.close());
  withSlots(store);
  store.createAccount({ username: 'dyn2', passwordHash: 'x', subdomain: 'cabin', allowfrom: [], kind: 'ddns' });
  store.setAddresses({ subdomain: 'home', ipv4: '203.0.113.7', ipv6: '2001:db8::7' });
  store.setAddresses({ subdomain: 'cabin', ipv6: '2001:db8::8' });
  store.addTxtValue('chal', TOKEN);
  const slots = [...store.listSlots()].sort((a, b) => a.subdomain.localeCompare(b.subdomain));
  t.same(slots, [
    { subdomain: 'cabin', values: ['2001:db8::8'], kind: 'ddns' },
    { subdomain: 'chal', values: [TOKEN] },
    { subdomain: 'home', values: ['203.0.113.7', '2001:db8::7'], kind: 'ddns' },
  ]);
  const before = store.serial();
  const changes: SlotChange[] = [];
  store.on('change', (c) => changes.push(c));
  store.revokeAccount('dyn');
  store.deleteAccount('dyn2');
  t.same(changes.map((c) => [c.subdomain, c.values]), [['home', null], ['cabin', null]]);
  t.throws(() => store.setAddresses({ subdomain: 'home', ipv4: '203.0.113.8' }), { code: 'slot_not_found' }, 'a revoked slot takes no update');
  t.same(store.slotAddresses('home'), { ipv4: null, ipv6: null });
  t.same(
    store.journalSince(before, store.serial())?.flatMap((step) => step.slots.map((s) => [s.subdomain, s.before, s.after, s.kind])),
    [['home', ['203.0.113.7', '2001:db8::7'], [], 'ddns'], ['cabin', ['2001:db8::8'], [], 'ddns']],
  );
});

t.test("another process's address update reaches this one's change events with its kind", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-ddns-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db.sqlite');
  const server = open(path);
  const cli = open(path);
  t.teardown(() => (server.close(), cli.close()));
  withSlots(cli);
  server.syncExternalChanges();
  const changes: SlotChange[] = [];
  server.on('change', (c) => changes.push(c));
  cli.setAddresses({ subdomain: 'home', ipv4: '198.51.100.4' });
  t.equal(server.syncExternalChanges(), 1);
  t.same(changes.map((c) => [c.subdomain, c.values, c.kind]), [['home', ['198.51.100.4'], 'ddns']]);
});
