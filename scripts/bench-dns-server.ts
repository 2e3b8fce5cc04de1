// A DNS server for scripts/bench-dns.sh: in-memory store with one slot holding two TXT values,
// listening on 127.0.0.1:<port> (argv[2]). Prints "ready <port>" once it answers; stops on SIGTERM.
// BENCH_DNS_NO_FAST_PATH=1 turns the answer cache off to measure the general (dns2) path alone.
import { loadConfig } from '../src/config/load.js';
import { createZoneIndex } from '../src/dns/zone-index.js';
import { startDnsServer } from '../src/dns/server.js';
import { silentLogger } from '../src/log.js';
import { Store } from '../src/store/store.js';

const port = process.argv[2] ?? '5353';
const config = loadConfig({ overrides: { 'dns.zone': 'auth.example.org', 'dns.listen': [`127.0.0.1:${port}`] } });
const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 604800 });
store.createAccount({ username: 'bench', passwordHash: 'x', subdomain: 'd420c923-bbd7-4056-ab64-c3ca54c9b3cf', allowfrom: [], label: null });
store.addTxtValue('d420c923-bbd7-4056-ab64-c3ca54c9b3cf', 'LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo');
store.addTxtValue('d420c923-bbd7-4056-ab64-c3ca54c9b3cf', 'q9mU0j2Kx3Z5oPqT7vWzY1aB4cD6eF8gH0iJ2kL4mN6');
const zone = createZoneIndex(config, store);
const answerCacheEntries = process.env.BENCH_DNS_NO_FAST_PATH === '1' ? 0 : undefined;
const server = await startDnsServer({ config, zone, logger: silentLogger, answerCacheEntries });
process.stdout.write(`ready ${server.addresses().udp[0]?.port ?? port}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => {
    zone.close();
    store.close();
  });
});
