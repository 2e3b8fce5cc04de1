// Secondaries receive a dynamic-DNS slot's address changes like TXT changes: an update through
// dyndns2's /nic/update reaches real Knot and NSD by NOTIFY + IXFR (their refresh timers are a day),
// A and AAAA alike, and a change of one address replaces it there.
import { randomBytes, randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import t from 'tap';
import { silentLogger } from '../../../src/log.js';
import { startService, type RunningService } from '../../../src/service.js';
import { buildQuery, decode } from '../helpers.js';
import { udpExchange } from '../socket-helpers.js';
import { primaryWithSecondaries, ZONE } from './primary-fixture.js';
import { secondaryMissing } from './secondary-servers.js';

const kinds = ['knot', 'nsd'] as const;
const skip = kinds.map(secondaryMissing).find((reason) => reason !== false) ?? false;

async function addresses(port: number, name: string, type: 1 | 28): Promise<string[]> {
  try {
    const reply = decode(await udpExchange(port, buildQuery(name, { type, rd: false, id: randomBytes(2).readUInt16BE(0) })));
    return reply.answers.filter((a) => a.type === type).map((a) => String((a as { address?: unknown }).address));
  } catch {
    return [];
  }
}

async function waitFor(check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (await check()) return Math.round(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return -1;
}

t.test('Knot and NSD follow a ddns slot: first addresses, then a changed one', { skip }, async (t) => {
  const started: { primary?: RunningService } = {};
  const { config, secondaries, startSecondaries } = await primaryWithSecondaries(t, {
    name: 'ddns-secondaries',
    kinds,
    level: 'silent',
    current: () => started.primary,
    overrides: { 'ddns.allow_private_addresses': 'true' },
  });
  const service = await startService(config, silentLogger);
  started.primary = service;
  const username = randomUUID();
  const password = randomBytes(30).toString('base64url');
  const subdomain = randomUUID();
  service.store.createAccount({ username, passwordHash: bcrypt.hashSync(password, 4), subdomain, allowfrom: [], kind: 'ddns', label: 'home.example.com' });
  const slot = `${subdomain}.${ZONE}`;
  const nic = async (query: string): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${service.apiAddress.port}/nic/update?${query}`, { headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });
    return (await res.text()).trim();
  };
  startSecondaries();
  for (const s of secondaries) {
    const ms = await waitFor(() => udpExchange(s.port, buildQuery(ZONE, { type: 6, rd: false })).then((r) => decode(r).answers.length > 0, () => false), 20000);
    t.ok(ms >= 0, `${s.kind} loaded the zone`);
    t.same(await addresses(s.port, slot, 1), [], `${s.kind}: no address before the first update`);
  }

  t.equal(await nic('hostname=home.example.com&myip=203.0.113.7,2001:db8::7'), 'good 203.0.113.7,2001:db8::7');
  for (const s of secondaries) {
    const ms = await waitFor(async () => (await addresses(s.port, slot, 1)).join() === '203.0.113.7' && (await addresses(s.port, slot, 28)).join() === '2001:db8::7', 3000);
    t.ok(ms >= 0, `${s.kind} serves A and AAAA within 3 s (${ms} ms)`);
  }
  t.equal(await nic('hostname=home.example.com&myip=203.0.113.8'), 'good 203.0.113.8');
  for (const s of secondaries) {
    const ms = await waitFor(async () => (await addresses(s.port, slot, 1)).join() === '203.0.113.8', 3000);
    t.ok(ms >= 0, `${s.kind} serves the changed A within 3 s (${ms} ms)`);
    t.same(await addresses(s.port, slot, 28), ['2001:db8::7'], `${s.kind} keeps the AAAA`);
  }
  const log = secondaries.map((s) => s.log()).join('\n');
  t.match(log, /IXFR|incremental/i, 'the secondaries took the change as a difference (IXFR)');
});
