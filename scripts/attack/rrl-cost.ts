// CPU spent by the UDP datagram handler (responder, RRL, counters; no socket) per datagram of a
// random-subdomain flood from one /24, with RRL on (loopback not exempt) and off:
//   node --import tsx scripts/attack/rrl-cost.ts [DATAGRAMS]
// CPU time (process.cpuUsage), not wall time, so a busy machine changes the figures little.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/load.js';
import { createResponder } from '../../src/dns/responder.js';
import { createRrl } from '../../src/dns/rrl.js';
import { createTransferFront } from '../../src/dns/transfer/front.js';
import { transferSettings } from '../../src/dns/transfer/settings.js';
import { createDatagramHandler } from '../../src/dns/udp-listener.js';
import { createZoneIndex } from '../../src/dns/zone-index.js';
import { silentLogger } from '../../src/log.js';
import { countingResponder, createDnsCounters } from '../../src/metrics/dns-counters.js';
import { Store } from '../../src/store/store.js';

const datagrams = Number(process.argv[2] ?? 2_000_000);
const config = loadConfig({ overrides: { 'dns.zone': 'auth.example.org', 'dns.listen': ['127.0.0.1:0'], 'dns.ns_addresses': ['192.0.2.53'] } });
const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 604800 });
const zone = createZoneIndex(config, store);
const responder = createResponder({ zone, logger: silentLogger });
const front = createTransferFront({ responder, zone, settings: transferSettings(config), journal: undefined, txtTtl: 60, logger: silentLogger });

function query(name: string, id: number): Buffer {
  const qname = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(1, 4);
  return Buffer.concat([head, qname, Buffer.from([0, 16, 0, 1])]);
}
const queries = Array.from({ length: 4096 }, (_, i) => query(`${randomBytes(8).toString('hex')}.auth.example.org`, i));
const peer = { address: '127.0.0.3', family: 'IPv4', port: 40000, size: 45 } as const;

for (const mode of ['on', 'off', 'on', 'off']) {
  const counters = createDnsCounters();
  const rrl = mode === 'on' ? createRrl({ responsesPerSecond: 20, slip: 2, ipv4Prefix: 24, ipv6Prefix: 56, exempt: [], tableSize: 65536, counters }) : undefined;
  let sent = 0;
  const handle = createDatagramHandler(countingResponder(front, counters), () => void sent++, silentLogger, rrl);
  const before = process.cpuUsage();
  for (let i = 0; i < datagrams; i++) handle(queries[i & 4095] as Buffer, peer);
  const used = process.cpuUsage(before);
  const ns = ((used.user + used.system) * 1000) / datagrams;
  console.log(`RRL ${mode.padEnd(3)}: ${ns.toFixed(0)} ns of CPU per datagram; ${sent} replies sent (${counters.rrlSlipped} slipped), ${counters.rrlDropped} dropped`);
}
zone.close();
store.close();
