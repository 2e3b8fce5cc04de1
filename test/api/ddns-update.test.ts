// Dynamic-DNS credentials over HTTP: what each route accepts from which kind of account, and that
// every refusal leaves the served records as they were.
import bcrypt from 'bcryptjs';
import t from 'tap';
import type { Store } from '../../src/store/store.js';
import { rawRequest, startApi } from './server-fixture.js';

const PASSWORD = 'ddnsPasswordddnsPasswordddnsPassword0123';
const TOKEN = 'LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo';

function addAccount(store: Store, username: string, subdomain: string, kind: 'acme' | 'ddns'): void {
  store.createAccount({ username, passwordHash: bcrypt.hashSync(PASSWORD, 4), subdomain, allowfrom: [], kind });
}

const DDNS_USER = '11111111-1111-4111-8111-111111111111';
const DDNS_SLOT = '22222222-2222-4222-8222-222222222222';
const ACME_USER = '33333333-3333-4333-8333-333333333333';
const ACME_SLOT = '44444444-4444-4444-8444-444444444444';

t.test('POST /update with a ddns credential is refused (401 forbidden) and sets no TXT', async (t) => {
  const { port, store } = await startApi(t);
  addAccount(store, DDNS_USER, DDNS_SLOT, 'ddns');
  const serial = store.serial();
  const res = await rawRequest(port, `POST /update HTTP/1.1\nX-Api-User: ${DDNS_USER}\nX-Api-Key: ${PASSWORD}`, JSON.stringify({ subdomain: DDNS_SLOT, txt: TOKEN }));
  t.equal(res.status, 401);
  t.same(JSON.parse(res.body), { error: 'forbidden' });
  t.equal(store.serial(), serial, 'nothing written');
  t.same(store.slotValues(DDNS_SLOT), []);
  addAccount(store, ACME_USER, ACME_SLOT, 'acme');
  const ok = await rawRequest(port, `POST /update HTTP/1.1\nX-Api-User: ${ACME_USER}\nX-Api-Key: ${PASSWORD}`, JSON.stringify({ subdomain: ACME_SLOT, txt: TOKEN }));
  t.equal(ok.status, 200, 'an ACME credential still works');
});
