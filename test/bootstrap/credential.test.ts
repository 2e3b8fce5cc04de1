// The credential comes from the environment only, is recognised by kind, and is redacted.
import t from 'tap';
import { credentialSecrets, describeCredential, readCloudflareCredential } from '../../src/bootstrap/credential.js';
import { createRedactor } from '../../src/bootstrap/redact.js';

t.test('token kinds by prefix', async (t) => {
  t.same(readCloudflareCredential({ CLOUDFLARE_API_TOKEN: 'cfut_abc' }).credential, { kind: 'token', flavour: 'user', token: 'cfut_abc' });
  t.same(readCloudflareCredential({ CLOUDFLARE_API_TOKEN: 'cfat_abc', CLOUDFLARE_ACCOUNT_ID: 'acc' }).credential, { kind: 'token', flavour: 'account', token: 'cfat_abc', accountId: 'acc' });
  t.same(readCloudflareCredential({ CLOUDFLARE_API_TOKEN: ' legacy40chars ' }).credential, { kind: 'token', flavour: 'legacy', token: 'legacy40chars' });
});

t.test('the token wins over the global key, with a note', async (t) => {
  const reading = readCloudflareCredential({ CLOUDFLARE_API_TOKEN: 'tok', CLOUDFLARE_API_KEY: 'key', CLOUDFLARE_EMAIL: 'a@b.c' });
  t.equal(reading.credential.kind, 'token');
  t.match(reading.notes[0], /ignoring the Global API Key/);
});

t.test('global key needs the e-mail', async (t) => {
  t.same(readCloudflareCredential({ CLOUDFLARE_API_KEY: 'key', CLOUDFLARE_EMAIL: 'a@b.c' }).credential, { kind: 'global-key', key: 'key', email: 'a@b.c' });
  t.throws(() => readCloudflareCredential({ CLOUDFLARE_API_KEY: 'key' }), { code: 'credential_missing', message: /CLOUDFLARE_EMAIL/ });
});

t.test('misplaced prefixes and a missing credential are refused, without echoing the value', async (t) => {
  t.throws(() => readCloudflareCredential({ CLOUDFLARE_API_TOKEN: 'cfk_secretsecret' }), { code: 'credential_misplaced' });
  t.throws(() => readCloudflareCredential({ CLOUDFLARE_API_KEY: 'cfut_secretsecret', CLOUDFLARE_EMAIL: 'a@b.c' }), { code: 'credential_misplaced' });
  try {
    readCloudflareCredential({ CLOUDFLARE_API_KEY: 'cfat_secretsecret', CLOUDFLARE_EMAIL: 'a@b.c' });
  } catch (err) {
    t.notMatch((err as Error).message, /secretsecret/);
  }
  t.throws(() => readCloudflareCredential({}), { code: 'credential_missing', message: /Zone:DNS:Edit/ });
  t.throws(() => readCloudflareCredential({ CLOUDFLARE_API_TOKEN: '  ' }), { code: 'credential_missing' });
});

t.test('a Global API Key without prefix in the token variable is recognised, not sent as a token', async (t) => {
  // It used to go out as a bearer token and come back as "Invalid API Token" (code 1000),
  // which does not tell the operator what is wrong.
  const key = '0123456789abcdef0123456789abcdef01234';
  try {
    readCloudflareCredential({ CLOUDFLARE_API_TOKEN: key });
    t.fail('refused');
  } catch (err) {
    t.match(err, { code: 'credential_misplaced', message: /looks like a Global API Key.*CLOUDFLARE_API_KEY/ });
    t.notMatch((err as Error).message, key);
  }
  t.equal(readCloudflareCredential({ CLOUDFLARE_API_TOKEN: 'AbCdEf0123456789abcdef0123456789abcdef01' }).credential.kind, 'token', 'a 40-character token is a token');
});

t.test('descriptions and secrets', async (t) => {
  const key = readCloudflareCredential({ CLOUDFLARE_API_KEY: 'key12345678', CLOUDFLARE_EMAIL: 'a@b.c' }).credential;
  t.equal(describeCredential(key), 'Global API Key of a@b.c');
  t.same(credentialSecrets(key), ['key12345678']);
});

t.test('the redactor hides every occurrence', async (t) => {
  const redact = createRedactor(['s3cr3t-token-value', 'short']);
  t.equal(redact('a s3cr3t-token-value b s3cr3t-token-value short'), 'a [redacted] b [redacted] short');
});
