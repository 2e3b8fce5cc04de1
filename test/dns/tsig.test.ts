// TSIG signing and checking on bytes: requests captured from kdig and dig verify, our signatures
// verify, and every way a request can fail maps to its RFC 8945 error.
import t from 'tap';
import { findTsig, parseTsigKey, signMessage, TsigError, verifyRequest, type TsigKey, type TsigRecord } from '../../src/dns/tsig.js';
import { buildQuery } from './helpers.js';

const secret = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0';
// `kdig @127.0.0.1 SOA auth.example.org -y hmac-sha384:vector-key:<secret>` as it went on the wire.
const kdigSha384 = Buffer.from(
  'd71c012000010000000000010461757468076578616d706c65036f726700000600010a766563746f722d6b65790000fa00ff00000000004d0b686d61632d7368613338340000006b0f8f50012c0030f90e2d2f28e08b4c98f55f355fcbb05dfd818a7fdc908eb8fe370e78aae29633ab5d29fbc90a632c68dee226dbec45f9d71c00000000',
  'hex',
);
const kdigTime = 0x6b0f8f50;
// `dig @127.0.0.1 TXT x.auth.example.org -y hmac-sha256:Vector-Key.:<secret>`: EDNS with a cookie, then TSIG.
const digSha256 = Buffer.from(
  'a64a0120000100000000000201780461757468076578616d706c65036f7267000010000100002904d000000000000c000a00080636849e17cdf9af0a766563746f722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b0f8f55012c0020bfa578587a18754c16aa9464884f8c84a7f366105190a7a4e2e3bab658bcf776a64a00000000',
  'hex',
);
const digTime = 0x6b0f8f55;

const key = (algorithm: string, name = 'vector-key', s = secret): TsigKey => parseTsigKey(`${algorithm}:${name}:${s}`);
const tsigOf = (msg: Buffer): TsigRecord => {
  const found = findTsig(msg);
  if (found === null || typeof found === 'string') throw new Error(`no TSIG: ${found}`);
  return found;
};

t.test('requests signed by kdig and dig verify with the same key', async (t) => {
  const a = verifyRequest(kdigSha384, tsigOf(kdigSha384), [key('hmac-sha384')], kdigTime + 10);
  t.equal(a.ok, true, 'kdig hmac-sha384');
  const b = verifyRequest(digSha256, tsigOf(digSha256), [key('hmac-sha256')], digTime);
  t.equal(b.ok, true, 'dig hmac-sha256 with EDNS before the TSIG');
  t.equal(tsigOf(digSha256).keyName, 'vector-key');
  t.equal(tsigOf(kdigSha384).fudge, 300);
});

t.test('each failure gets its RFC 8945 error', async (t) => {
  const tsig = tsigOf(kdigSha384);
  const check = (keys: TsigKey[], now = kdigTime, msg = kdigSha384): number | true => {
    const result = verifyRequest(msg, tsig, keys, now);
    return result.ok ? true : result.error;
  };
  t.equal(check([key('hmac-sha384', 'other-key')]), TsigError.BADKEY, 'unknown key name: BADKEY');
  t.equal(check([key('hmac-sha256')]), TsigError.BADKEY, 'known name, other algorithm: BADKEY');
  t.equal(check([key('hmac-sha384', 'vector-key', Buffer.from('another secret of ours').toString('base64'))]), TsigError.BADSIG, 'other secret: BADSIG');
  const tampered = Buffer.from(kdigSha384);
  tampered[13] = 'b'.charCodeAt(0); // "auth" -> "buth"
  t.equal(check([key('hmac-sha384')], kdigTime, tampered), TsigError.BADSIG, 'changed question: BADSIG');
  t.equal(check([key('hmac-sha384')], kdigTime + 301), TsigError.BADTIME, 'outside the fudge: BADTIME');
  t.equal(check([key('hmac-sha384')], kdigTime - 301), TsigError.BADTIME, 'from the future: BADTIME');
  t.equal(check([key('hmac-sha384')], kdigTime + 300), true, 'at the edge of the fudge: accepted');
  const badTime = verifyRequest(kdigSha384, tsig, [key('hmac-sha384')], kdigTime + 1000);
  t.ok(!badTime.ok && badTime.key, 'BADTIME keeps the key: the reply is signed');
});

t.test('our signatures verify, for every algorithm', async (t) => {
  for (const algorithm of ['hmac-sha256', 'hmac-sha384', 'hmac-sha512']) {
    const k = key(algorithm, 'xfr.example');
    const { message, mac } = signMessage(buildQuery('auth.example.org', { type: 252, id: 77 }), k, { timeSigned: 1_800_000_000 });
    t.equal(mac.length, { 'hmac-sha256': 32, 'hmac-sha384': 48, 'hmac-sha512': 64 }[algorithm]);
    t.equal(message.readUInt16BE(10), 1, 'ARCOUNT counts the TSIG');
    const result = verifyRequest(message, tsigOf(message), [k], 1_800_000_100);
    t.equal(result.ok, true, algorithm);
  }
});

t.test('broken TSIG records are problems, not exceptions', async (t) => {
  const k = key('hmac-sha256');
  const { message } = signMessage(buildQuery('auth.example.org', { type: 252 }), k, { timeSigned: 1_800_000_000 });
  for (let cut = 1; cut < 60; cut++) {
    const truncated = message.subarray(0, message.length - cut);
    t.type(findTsig(truncated), 'string', `cut ${cut} bytes`);
  }
  const wrongClass = Buffer.from(message);
  const tsigStart = tsigOf(message).start;
  wrongClass.writeUInt16BE(1, tsigStart + 'vector-key'.length + 2 + 2 + 2);
  t.match(findTsig(wrongClass), /class/, 'class other than ANY');
  // A TSIG followed by another record: the TSIG must be last.
  const opt = Buffer.from('0000290200000000000000', 'hex');
  const notLast = Buffer.concat([message, opt]);
  notLast.writeUInt16BE(2, 10);
  t.match(findTsig(notLast), /last/);
  t.equal(findTsig(buildQuery('auth.example.org')), null, 'no additional records: no TSIG');
  for (let i = 0; i < 500; i++) {
    const garbage = Buffer.from(message);
    for (let j = 0; j < 4; j++) garbage[tsigStart + Math.floor(Math.random() * (garbage.length - tsigStart))] = Math.floor(Math.random() * 256);
    const found = findTsig(garbage);
    if (found && typeof found !== 'string') verifyRequest(garbage, found, [k], 1_800_000_000);
  }
  t.pass('500 garbled TSIG records read and checked without a throw');
});

t.test('key specs: clear errors that never repeat the secret', async (t) => {
  t.same(parseTsigKey('HMAC-SHA512:Xfr.Example.:' + secret).name, 'xfr.example');
  const cases = ['hmac-md5:k:' + secret, 'hmac-sha256:k', 'hmac-sha256:bad name:' + secret, 'hmac-sha256:k:not*base64', 'hmac-sha256:k:c2hvcnQ='];
  for (const text of cases) {
    t.throws(() => parseTsigKey(text), text.split(':')[0] ?? '');
    try {
      parseTsigKey(text);
    } catch (err) {
      const secretPart = text.split(':')[2];
      if (secretPart) t.notMatch((err as Error).message, secretPart, 'secret not in the message');
    }
  }
});
