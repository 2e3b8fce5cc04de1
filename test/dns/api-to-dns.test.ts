// Through the whole service: a value set with POST /update is what dig sees right after the 200.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { startService } from '../../src/service.js';
import { run, toolMissing } from './socket-helpers.js';

const noDig = toolMissing('dig');

t.test('POST /update, then dig over UDP and TCP', { skip: noDig }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-dns-'));
  const config = loadConfig({
    overrides: {
      'dns.zone': 'auth.example.org',
      'dns.listen': ['127.0.0.1:0'],
      'api.listen': '127.0.0.1:0',
      'api.registration': 'open',
      'store.path': join(dir, 'db.sqlite'),
      'store.bcrypt_cost': '4',
    },
  });
  const service = await startService(config, silentLogger);
  t.teardown(async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const api = `http://127.0.0.1:${service.apiAddress.port}`;
  const dnsPort = String(service.dns.addresses().udp[0]?.port);

  const registered = await fetch(`${api}/register`, { method: 'POST' });
  t.equal(registered.status, 201);
  const account = (await registered.json()) as { username: string; password: string; subdomain: string; fulldomain: string };
  const txt = 'LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo';
  const updated = await fetch(`${api}/update`, {
    method: 'POST',
    headers: { 'X-Api-User': account.username, 'X-Api-Key': account.password, 'Content-Type': 'application/json' },
    body: JSON.stringify({ subdomain: account.subdomain, txt }),
  });
  t.equal(updated.status, 200);
  for (const transport of ['+notcp', '+tcp']) {
    const out = await run('dig', ['@127.0.0.1', '-p', dnsPort, '+norec', '+tries=2', '+time=3', transport, account.fulldomain.toUpperCase(), 'TXT']);
    t.match(out, /status: NOERROR/, transport);
    t.match(out, new RegExp(`"${txt}"`), `${transport}: the value just set is served`);
  }
});
