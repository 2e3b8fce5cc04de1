// Through the whole service: a value set with POST /update is what dig sees right after the 200.
import t from 'tap';
import { startTestService } from '../helpers/running-service.js';
import { run, toolMissing } from './socket-helpers.js';

const noDig = toolMissing('dig');

t.test('POST /update, then dig over UDP and TCP', { skip: noDig }, async (t) => {
  const running = await startTestService(t);
  const api = running.apiUrl;
  const dnsPort = String(running.dnsPort);

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
