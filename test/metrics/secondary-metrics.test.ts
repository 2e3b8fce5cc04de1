// Per-secondary metrics with a real secondary (Knot, TSIG, NOTIFY): after it loads the zone its
// serial lag is 0; an update is NOTIFYed, acknowledged and transferred (one change-to-transfer
// sample); with the secondary stopped, the next update leaves it one serial behind. promtool
// accepts the output. The secondary's label is its configured host:port (bounded by the config).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { silentLogger } from '../../src/log.js';
import { startService, type RunningService } from '../../src/service.js';
import { buildQuery, decode } from '../dns/helpers.js';
import { primaryWithSecondaries, ZONE } from '../dns/secondaries/primary-fixture.js';
import { freePort, secondaryMissing } from '../dns/secondaries/secondary-servers.js';
import { udpExchange } from '../dns/socket-helpers.js';


async function soaSerial(port: number): Promise<number | undefined> {
  try {
    const reply = decode(await udpExchange(port, buildQuery(ZONE, { type: 6, rd: false, id: randomBytes(2).readUInt16BE(0) })));
    const soa = reply.answers.find((a) => a.type === 6) as { serial?: number } | undefined;
    return soa?.serial;
  } catch {
    return undefined;
  }
}

async function waitFor(check: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  for (const start = Date.now(); Date.now() - start < limitMs; await new Promise((resolve) => setTimeout(resolve, 100))) if (await check()) return true;
  return false;
}

function sample(text: string, line: RegExp): number | undefined {
  const match = text.split('\n').find((l) => line.test(l));
  return match === undefined ? undefined : Number(match.split(' ').pop());
}

t.test('a real secondary: NOTIFY results, serial lag and change-to-transfer time', { skip: secondaryMissing('knot') }, async (t) => {
  const metricsPort = await freePort();
  const started: { primary?: RunningService } = {};
  const { config, primaryPort, ports, secondaries, startSecondaries } = await primaryWithSecondaries(t, {
    name: 'secondary-metrics',
    kinds: ['knot'],
    level: 'silent',
    current: () => started.primary,
    overrides: { 'metrics.listen': `127.0.0.1:${metricsPort}` },
  });
  const service = await startService(config, silentLogger);
  started.primary = service;
  startSecondaries();
  const knot = secondaries[0]!;
  const knotPort = ports.knot;
  const label = `secondary="127.0.0.1:${knotPort}"`;
  const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const api = `http://127.0.0.1:${service.apiAddress.port}`;
  const account = (await (await fetch(`${api}/register`, { method: 'POST' })).json()) as { username: string; password: string; subdomain: string };
  const update = async (txt: string): Promise<number> =>
    (
      await fetch(`${api}/update`, {
        method: 'POST',
        headers: { 'X-Api-User': account.username, 'X-Api-Key': account.password },
        body: JSON.stringify({ subdomain: account.subdomain, txt }),
      })
    ).status;

  const loaded = await waitFor(async () => (await soaSerial(knotPort)) === (await soaSerial(primaryPort)), 20_000);
  t.ok(loaded, 'Knot loaded the zone');
  t.ok(await waitFor(async () => sample(await scrape(), new RegExp(`^acme_delegate_secondary_serial_lag\\{${label}\\}`)) === 0, 5000), 'serial lag 0 once it transferred');

  t.equal(await update('a'.repeat(43)), 200);
  const serial = await soaSerial(primaryPort);
  t.ok(await waitFor(async () => (await soaSerial(knotPort)) === serial, 5000), 'Knot follows the update');
  let text = '';
  t.ok(
    await waitFor(async () => {
      text = await scrape();
      return (sample(text, new RegExp(`^acme_delegate_secondary_sync_seconds_count\\{${label}\\}`)) ?? 0) >= 1;
    }, 5000),
    'the change-to-transfer time of the update is sampled',
  );
  t.ok((sample(text, new RegExp(`^acme_delegate_secondary_notify_total\\{${label},result="acknowledged"\\}`)) ?? 0) >= 1, 'NOTIFY acknowledged');
  t.equal(sample(text, new RegExp(`^acme_delegate_secondary_serial_lag\\{${label}\\}`)), 0);
  t.equal(sample(text, /^acme_delegate_zone_serial /), serial);
  t.ok(Math.abs(Date.now() / 1000 - (sample(text, new RegExp(`^acme_delegate_secondary_last_transfer_timestamp_seconds\\{${label}\\}`)) ?? 0)) < 30);
  t.equal(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }).trim(), '', 'promtool check metrics');

  await knot.stop();
  t.equal(await update('b'.repeat(43)), 200);
  t.equal(sample(await scrape(), new RegExp(`^acme_delegate_secondary_serial_lag\\{${label}\\}`)), 1, 'stopped, it is one change behind');
});
