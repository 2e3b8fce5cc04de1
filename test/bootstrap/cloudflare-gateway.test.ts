// The SDK-backed gateway against the emulator: envelope, pagination, filters, auth and DNS
// rules, and Cloudflare's errors turned into messages a person can act on.
import t, { type Test } from 'tap';
import { applyPlan } from '../../src/bootstrap/apply.js';
import { createCloudflareGateway, maxRecordsPerName, type CloudflareGateway } from '../../src/bootstrap/cloudflare-gateway.js';
import { readCloudflareCredential } from '../../src/bootstrap/credential.js';
import type { PlanStep } from '../../src/bootstrap/plan.js';
import type { Zone } from '../../src/bootstrap/records.js';
import { startCloudflareEmulator, type CloudflareEmulator, type EmulatorToken } from '../helpers/cloudflare-emulator.js';

for (const name of Object.keys(process.env)) if (name.startsWith('CLOUDFLARE_')) delete process.env[name];

const token = 'test-token-0123456789abcdefABCDEF';
const accountToken = 'cfat_account0123456789abcdefABCDEF';

async function setup(t: Test, tokens: EmulatorToken[] = [{ value: token }]): Promise<CloudflareEmulator> {
  const emulator = await startCloudflareEmulator({ tokens, globalKeys: [{ email: 'ops@example.com', key: 'global-key-0123456789' }], zones: ['example.com', 'example.org'], accountId: 'acc1' });
  // The SDK reads its endpoint from the environment, as it would for an operator.
  process.env.CLOUDFLARE_BASE_URL = emulator.baseUrl;
  t.teardown(() => emulator.close());
  return emulator;
}

function gateway(env: NodeJS.ProcessEnv, log: string[] = []): CloudflareGateway {
  return createCloudflareGateway(readCloudflareCredential(env).credential, { log: (line) => log.push(line) });
}

async function zoneNamed(g: CloudflareGateway, name: string): Promise<Zone> {
  const zone = (await g.listZones()).find((z) => z.name === name);
  if (!zone) throw new Error(`no zone ${name}`);
  return zone;
}

t.test('an API token is verified through the token-verify endpoint', async (t) => {
  const emulator = await setup(t);
  const v = await gateway({ CLOUDFLARE_API_TOKEN: token }).verify();
  t.match(v.description, /API token \(active\)/);
  t.ok(emulator.requests().some((r) => r.path === '/client/v4/user/tokens/verify' && r.status === 200));
});

t.test('a bad token fails with a plain message that does not contain it', async (t) => {
  await setup(t);
  const wrong = 'wrong-token-0123456789abcdef';
  const err = (await gateway({ CLOUDFLARE_API_TOKEN: wrong })
    .verify()
    .then(() => new Error('verified'))
    .catch((e: unknown) => e)) as Error & { code?: string };
  t.equal(err.code, 'cloudflare_auth');
  t.match(err.message, /does not accept the credential.*1000 "Invalid API Token"/);
  t.notMatch(err.message, new RegExp(wrong));
});

t.test('a disabled token is refused', async (t) => {
  await setup(t, [{ value: token, status: 'disabled' }]);
  await t.rejects(gateway({ CLOUDFLARE_API_TOKEN: token }).verify(), { code: 'cloudflare_auth', message: /disabled/ });
});

t.test('an account token (cfat_) is verified under the account its zones belong to', async (t) => {
  const emulator = await setup(t, [{ value: accountToken, accountId: 'acc1' }]);
  await gateway({ CLOUDFLARE_API_TOKEN: accountToken }).verify();
  t.ok(emulator.requests().some((r) => r.path === '/client/v4/accounts/acc1/tokens/verify' && r.status === 200));
});

t.test('an older account-owned token without prefix is verified under its account', async (t) => {
  const legacy = 'legacyAccountToken0123456789abcdefABCD';
  const emulator = await setup(t, [{ value: legacy, accountId: 'acc1' }]);
  await gateway({ CLOUDFLARE_API_TOKEN: legacy }).verify();
  t.ok(emulator.requests().some((r) => r.path === '/client/v4/user/tokens/verify' && r.status === 401), 'tried as a user token first');
  t.ok(emulator.requests().some((r) => r.path === '/client/v4/accounts/acc1/tokens/verify' && r.status === 200));
});

t.test('the Global API Key is checked through /user and warned about; a wrong one is refused', async (t) => {
  await setup(t);
  const v = await gateway({ CLOUDFLARE_API_KEY: 'global-key-0123456789', CLOUDFLARE_EMAIL: 'ops@example.com' }).verify();
  t.match(v.description, /Global API Key of ops@example.com/);
  t.match(v.warnings.join(' '), /can do anything/);
  await t.rejects(gateway({ CLOUDFLARE_API_KEY: 'global-key-wrong-000000', CLOUDFLARE_EMAIL: 'ops@example.com' }).verify(), { code: 'cloudflare_auth', message: /9103/ });
});

t.test('zones are listed across pages', async (t) => {
  const emulator = await setup(t);
  for (let i = 0; i < 118; i++) emulator.addZone(`zone${i}.example`);
  const zones = await gateway({ CLOUDFLARE_API_TOKEN: token }).listZones();
  t.equal(zones.length, 120);
  t.equal(new Set(zones.map((z) => z.id)).size, 120);
  t.ok(emulator.requests().some((r) => /\/zones\?.*page=3/.test(r.path)), 'third page fetched');
});

t.test('a token scoped to some zones sees only those; one without Zone:Read sees none', async (t) => {
  await setup(t, [
    { value: token, zones: ['example.com'] },
    { value: 'noread-token-0123456789abcdef', zoneRead: false },
  ]);
  t.same((await gateway({ CLOUDFLARE_API_TOKEN: token }).listZones()).map((z) => z.name), ['example.com']);
  t.same(await gateway({ CLOUDFLARE_API_TOKEN: 'noread-token-0123456789abcdef' }).listZones(), []);
});

t.test('records: filters by exact name; Cloudflare rules give clear errors', async (t) => {
  const emulator = await setup(t);
  const g = gateway({ CLOUDFLARE_API_TOKEN: token });
  const com = await zoneNamed(g, 'example.com');
  emulator.addRecord('example.com', { name: '_acme-challenge.www.example.com', type: 'TXT', content: '"hook"' });
  emulator.addRecord('example.com', { name: 'x._acme-challenge.www.example.com', type: 'TXT', content: '"other"' });
  const listed = await g.listRecords(com, '_acme-challenge.www.example.com');
  t.same(listed.map((r) => [r.type, r.content]), [['TXT', '"hook"']]);

  await t.rejects(g.createRecord(com, { name: '_acme-challenge.www.example.com', type: 'CNAME', content: 's.auth.example.org', ttl: 60, proxied: false }), {
    code: 'cloudflare_record_conflict',
    message: /81053/,
  });
  const a = await g.createRecord(com, { name: 'auth.example.com', type: 'A', content: '192.0.2.1', ttl: 60, proxied: false });
  t.equal(a.type, 'A');
  await t.rejects(g.createRecord(com, { name: 'auth.example.com', type: 'NS', content: 'ns.auth.example.com', ttl: 3600 }), { code: 'cloudflare_record_conflict', message: /81056/ });
  await t.rejects(g.createRecord(com, { name: 'auth.example.com', type: 'A', content: '192.0.2.1', ttl: 60, proxied: false }), { code: 'cloudflare_duplicate', message: /81058/ });
  await g.deleteRecord(com, a.id);
  const ns = await g.createRecord(com, { name: 'auth.example.com', type: 'NS', content: 'NS.auth.example.com.', ttl: 3600 });
  t.equal(ns.content, 'ns.auth.example.com');
  await t.rejects(g.createRecord(com, { name: 'auth.example.com', type: 'A', content: '192.0.2.1', ttl: 60, proxied: false }), { code: 'cloudflare_record_conflict', message: /81056/ });

  const caa = await g.createRecord(com, { name: 'example.com', type: 'CAA', content: '', ttl: 3600, caa: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } });
  t.equal(caa.content, '0 issue "letsencrypt.org"');
  t.same(caa.caa, { flags: 0, tag: 'issue', value: 'letsencrypt.org' });
  const updated = await g.updateRecord(com, caa.id, { name: 'example.com', type: 'CAA', content: '', ttl: 3600, caa: { flags: 0, tag: 'issue', value: 'pki.goog' } });
  t.equal(updated.id, caa.id);
  t.equal(updated.content, '0 issue "pki.goog"');
});

t.test('a token without Zone:DNS:Edit gets a permission message', async (t) => {
  await setup(t, [{ value: token, dnsEdit: false }]);
  const g = gateway({ CLOUDFLARE_API_TOKEN: token });
  const com = await zoneNamed(g, 'example.com');
  await t.rejects(g.createRecord(com, { name: 'x.example.com', type: 'TXT', content: '"x"', ttl: 60 }), { code: 'cloudflare_permission', message: /Zone:DNS:Edit.*10000/ });
});

t.test('429 is retried by the SDK; a create whose answer was lost counts as done', async (t) => {
  const emulator = await setup(t);
  const log: string[] = [];
  const g = gateway({ CLOUDFLARE_API_TOKEN: token }, log);
  const com = await zoneNamed(g, 'example.com');
  emulator.failWritesAfter(0, { status: 429, code: 971, message: 'Please wait and consider throttling your request speed', retryable: true, times: 1 });
  await g.createRecord(com, { name: 'a.example.com', type: 'TXT', content: '"a"', ttl: 60 });
  t.equal(emulator.records().filter((r) => r.name === 'a.example.com').length, 1);

  // The create lands, the answer is a 500, the SDK retries the POST and hits "identical record".
  emulator.failWritesAfter(0, { status: 500, code: 10001, message: 'injected', retryable: true, when: 'after', times: 1 });
  const step: PlanStep = { action: 'create', zone: com, record: { name: '_acme-challenge.example.com', type: 'CNAME', content: 's.auth.example.org', ttl: 60, proxied: false }, purpose: 'test' };
  const lines: string[] = [];
  t.equal(await applyPlan([step], g, (l) => lines.push(l)), 1);
  t.match(lines[0], /already there/);
  t.equal(emulator.records().filter((r) => r.name === '_acme-challenge.example.com').length, 1, 'no duplicate');
});

t.test('a delete whose answer was lost counts as done', async (t) => {
  // The delete lands, the answer is a 500, the SDK retries the DELETE and gets 404 81044: the
  // run used to stop there ("stopped midway") although the record was gone as planned.
  const emulator = await setup(t);
  const g = gateway({ CLOUDFLARE_API_TOKEN: token });
  const com = await zoneNamed(g, 'example.com');
  const hook = emulator.addRecord('example.com', { name: '_acme-challenge.example.com', type: 'TXT', content: '"hook"', ttl: 120 });
  const existing = (await g.listRecords(com, '_acme-challenge.example.com'))[0];
  if (!existing) throw new Error('seeded record not listed');
  emulator.failWritesAfter(0, { status: 500, code: 10001, message: 'injected', retryable: true, when: 'after', times: 1 });
  const steps: PlanStep[] = [
    { action: 'delete', zone: com, record: existing, existing, purpose: 'test' },
    { action: 'create', zone: com, record: { name: '_acme-challenge.example.com', type: 'CNAME', content: 's.auth.example.org', ttl: 60, proxied: false }, purpose: 'test' },
  ];
  const lines: string[] = [];
  t.equal(await applyPlan(steps, g, (l) => lines.push(l)), 2);
  t.match(lines[0], /already gone TXT _acme-challenge\.example\.com/);
  t.notOk(emulator.records().some((r) => r.id === hook.id));
  t.ok(emulator.records().some((r) => r.name === '_acme-challenge.example.com' && r.type === 'CNAME'));
  // A not-found that is not a record already gone (here the zone is unknown) still stops the run.
  const other = emulator.addRecord('example.com', { name: 'x.example.com', type: 'TXT', content: '"x"' });
  const gone: PlanStep = { action: 'delete', zone: { ...com, id: 'no-such-zone' }, record: { name: 'x.example.com', type: 'TXT', content: '"x"', ttl: 1 }, existing: { ...other, zoneId: com.id, content: '"x"' }, purpose: 'test' };
  await t.rejects(applyPlan([gone], g, () => {}), { code: /cloudflare_/ });
});

t.test('an unreachable API is reported as such', async (t) => {
  const emulator = await setup(t);
  await emulator.close();
  const g = createCloudflareGateway(readCloudflareCredential({ CLOUDFLARE_API_TOKEN: token }).credential, { log: () => {} });
  await t.rejects(g.listZones(), { code: 'cloudflare_unreachable', message: /CLOUDFLARE_BASE_URL/ });
});

t.test('more records at one name than the bound is an error, not a shortened list', async (t) => {
  // The list used to stop quietly at the bound, so the plan was made without the records
  // past it (one of which could be the record in the way).
  const emulator = await setup(t);
  for (let i = 0; i <= maxRecordsPerName; i++) emulator.addRecord('example.com', { name: 'busy.example.com', type: 'TXT', content: `"v${i}"` });
  const g = gateway({ CLOUDFLARE_API_TOKEN: token });
  await t.rejects(g.listRecords(await zoneNamed(g, 'example.com'), 'busy.example.com'), { code: 'cloudflare_failed', message: /more than 1000 records at one name/ });
});
