// The proof that standard secondaries can serve the zone: real Knot, NSD and BIND pull it from
// acme-delegate with TSIG, follow every POST /update within 2 s through NOTIFY (their refresh
// timers are a day, so nothing else explains it), and catch up after acme-delegate restarts.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startService, type RunningService } from '../../../src/service.js';
import { Store } from '../../../src/store/store.js';
import { buildQuery, decode } from '../helpers.js';
import { udpExchange } from '../socket-helpers.js';
import { primaryWithSecondaries, ZONE } from './primary-fixture.js';
import { seedSlots } from './seed-slots.js';
import { secondaryKinds, secondaryMissing } from './secondary-servers.js';
const skip = secondaryKinds.map(secondaryMissing).find((reason) => reason !== false) ?? false;

/** The serial a server answers for the zone's SOA, or undefined when it does not serve it (yet). */
async function soaSerial(port: number): Promise<number | undefined> {
  try {
    const reply = decode(await udpExchange(port, buildQuery(ZONE, { type: 6, rd: false, id: randomBytes(2).readUInt16BE(0) })));
    const soa = reply.answers.find((a) => a.type === 6) as { serial?: number } | undefined;
    return (reply.header as { rcode: number }).rcode === 0 ? soa?.serial : undefined;
  } catch {
    return undefined;
  }
}

async function txtValues(port: number, name: string): Promise<string[]> {
  try {
    const reply = decode(await udpExchange(port, buildQuery(name, { type: 16, rd: false, id: randomBytes(2).readUInt16BE(0) })));
    return reply.answers.filter((a) => a.type === 16).map((a) => String((a as { data?: unknown }).data));
  } catch {
    return [];
  }
}

/** Polls until `check` holds; returns the milliseconds it took, or -1 after `limitMs`. */
async function waitFor(check: () => Promise<boolean>, limitMs: number, stepMs = 25): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (await check()) return Math.round(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return -1;
}

t.test('Knot, NSD and BIND as TSIG secondaries: load, follow updates by NOTIFY, catch up after a restart', { skip }, async (t) => {
  let service: RunningService | undefined;
  const { config, primaryPort, logger, secondaries, startSecondaries } = await primaryWithSecondaries(t, {
    name: 'secondaries',
    kinds: secondaryKinds,
    level: 'debug',
    current: () => service,
  });
  service = await startService(config, logger);

  const api = `http://127.0.0.1:${service.apiAddress.port}`;
  const registered = await fetch(`${api}/register`, { method: 'POST' });
  const account = (await registered.json()) as { username: string; password: string; subdomain: string; fulldomain: string };
  const update = async (txt: string): Promise<number> => {
    const res = await fetch(`${api}/update`, {
      method: 'POST',
      headers: { 'X-Api-User': account.username, 'X-Api-Key': account.password, 'Content-Type': 'application/json' },
      body: JSON.stringify({ subdomain: account.subdomain, txt }),
    });
    return res.status;
  };

  startSecondaries();
  const startSerial = await soaSerial(primaryPort);
  t.ok(startSerial, 'the primary serves its SOA');
  for (const secondary of secondaries) {
    const ms = await waitFor(async () => (await soaSerial(secondary.port)) === startSerial, 20000, 100);
    t.ok(ms >= 0, `${secondary.kind} loaded the zone at start (${ms} ms)`);
    if (ms < 0) t.comment(secondary.log().slice(-3000));
  }

  const lags: Record<string, number[]> = { knot: [], nsd: [], bind: [] };
  let lastSerial = startSerial ?? 0;
  for (let i = 0; i < 3; i++) {
    const txt = randomBytes(32).toString('base64url').slice(0, 43);
    t.equal(await update(txt), 200, `update ${i + 1} accepted`);
    const serial = (await soaSerial(primaryPort)) ?? 0;
    t.ok(serial > lastSerial, `the serial grew (${lastSerial} -> ${serial})`);
    lastSerial = serial;
    const took = await Promise.all(secondaries.map((s) => waitFor(async () => (await txtValues(s.port, account.fulldomain)).includes(txt), 2000)));
    secondaries.forEach((s, j) => {
      lags[s.kind]!.push(took[j]!);
      t.ok(took[j]! >= 0, `${s.kind} serves update ${i + 1} within 2 s (${took[j]} ms)`);
    });
    for (const s of secondaries) t.equal(await soaSerial(s.port), serial, `${s.kind} is at serial ${serial}`);
  }
  t.comment(`update-to-secondary ms: ${JSON.stringify(lags)}`);

  // acme-delegate goes away; a change lands in its database meanwhile (as the account CLI would
  // make it); when it comes back, its start-up NOTIFY brings every secondary up to date.
  await service.close();
  service = undefined;
  const offline = randomBytes(32).toString('base64url').slice(0, 43);
  const store = Store.open({ path: config.store.path, valuesPerSlot: 2, maxAgeSeconds: 604800 });
  store.addTxtValue(account.subdomain, offline);
  const offlineSerial = store.serial();
  store.close();
  service = await startService(config, logger);
  for (const secondary of secondaries) {
    const ms = await waitFor(async () => (await soaSerial(secondary.port)) === offlineSerial, 5000);
    t.ok(ms >= 0, `${secondary.kind} caught up after the restart (${ms} ms)`);
    t.ok((await txtValues(secondary.port, account.fulldomain)).includes(offline), `${secondary.kind} serves the value made while we were down`);
  }
});

t.test('IXFR: one update of a 10,000-slot zone reaches each secondary as a difference of a few hundred bytes', { skip }, async (t) => {
  const started: { primary?: RunningService } = {};
  const { config, primaryPort, logger, logLines, secondaries, startSecondaries } = await primaryWithSecondaries(t, {
    name: 'ixfr',
    kinds: secondaryKinds,
    current: () => started.primary,
    seed: (dbPath) => seedSlots(dbPath, 10_000),
  });
  const service = await startService(config, logger);
  started.primary = service;
  startSecondaries();
  const loaded = (await soaSerial(primaryPort)) ?? 0;
  for (const secondary of secondaries) {
    const ms = await waitFor(async () => (await soaSerial(secondary.port)) === loaded, 30000, 100);
    t.ok(ms >= 0, `${secondary.kind} loaded the 10,000-slot zone (${ms} ms)`);
  }
  t.ok(
    (await txtValues(secondaries[0]!.port, `seed-09999.${ZONE}`)).some((v) => v.startsWith('b-9999')),
    'the last slot is on the secondary',
  );
  const fullTransfers = logLines.filter((l) => l.includes('zone transfer sent') && l.includes('style=full')).length;

  service.store.addTxtValue('seed-04242', 'after-the-load'.padEnd(43, 'x'));
  const serial = service.store.serial();
  for (const secondary of secondaries) {
    const ms = await waitFor(async () => (await soaSerial(secondary.port)) === serial, 2000);
    t.ok(ms >= 0, `${secondary.kind} has the update (${ms} ms)`);
  }
  const after = logLines.filter((l) => l.includes('zone transfer sent') && l.includes(`serial=${serial}`));
  const incremental = after.filter((l) => l.includes('kind=IXFR') && l.includes('style=incremental'));
  t.equal(incremental.length, 3, 'three incremental transfers, one per secondary');
  t.equal(logLines.filter((l) => l.includes('zone transfer sent') && l.includes('style=full')).length, fullTransfers, 'no full transfer after the update');
  for (const line of incremental) {
    const bytes = Number(/bytes=(\d+)/.exec(line)?.[1]);
    t.ok(bytes > 0 && bytes < 1000, `${bytes} bytes for the update`);
  }
  t.match(secondaries.find((s) => s.kind === 'knot')!.log(), /IXFR, incoming/, "Knot's own log says IXFR");
  t.comment(incremental.join('\n'));
});
