// DNS UPDATE (RFC 2136) with an account's TSIG key, driven by the real clients users run:
// nsupdate (BIND) and knsupdate (Knot). Each may change only its own slot's TXT; everything else
// is refused and changes nothing; a bad key is NOTAUTH with the TSIG error RFC 8945 names.
import t from 'tap';
import { findTsig, signMessage, TsigError, verifyReply } from '../../src/dns/tsig.js';
import { addKeyedAccount, buildUpdate, challengeValue, runUpdateClient, startUpdateServer, txt, type KeyedAccount, type UpdateServer } from './update-helpers.js';
import { ZONE } from './helpers.js';
import { run, tcpConnect, frame, readFrames, toolMissing, udpExchange } from './socket-helpers.js';

const skip = toolMissing('nsupdate', 'bind9-dnsutils') || toolMissing('knsupdate', 'knot-dnsutils') || toolMissing('dig');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function script(server: UpdateServer, ...commands: string[]): string[] {
  return [`server 127.0.0.1 ${server.port}`, `zone ${ZONE}`, ...commands, 'send'];
}

async function served(server: UpdateServer, name: string): Promise<string[]> {
  const out = await run('dig', ['+short', '@127.0.0.1', '-p', String(server.port), 'TXT', name]);
  return out.split('\n').filter(Boolean).map((l) => l.replace(/"/g, '')).sort();
}

t.test('nsupdate and knsupdate add and delete TXT at their own slot, over UDP and TCP', { skip }, async (t) => {
  const server = await startUpdateServer(t);
  const a = addKeyedAccount(server.store);
  const b = addKeyedAccount(server.store, 'hmac-sha512');
  const [v1, v2] = [challengeValue(), challengeValue()];

  const added = await runUpdateClient('nsupdate', ['-y', a.spec], script(server, `update add ${a.slot} 60 TXT ${v1}`));
  t.equal(added.code, 0, `nsupdate add: ${added.output}`);
  t.same(await served(server, a.slot), [v1], 'DNS serves the value');
  const overTcp = await runUpdateClient('nsupdate', ['-v', '-y', a.spec], script(server, `update add ${a.slot} 60 TXT ${v2}`));
  t.equal(overTcp.code, 0, `nsupdate -v (TCP) add: ${overTcp.output}`);
  t.same(await served(server, a.slot), [v1, v2].sort());
  const deleted = await runUpdateClient('nsupdate', ['-y', a.spec], script(server, `update delete ${a.slot} TXT ${v1}`));
  t.equal(deleted.code, 0, 'nsupdate delete one record');
  t.same(await served(server, a.slot), [v2]);

  const k = await runUpdateClient('knsupdate', ['-y', b.spec], [...script(server, `update add ${b.slot} 60 TXT ${v1}`), 'answer']);
  t.equal(k.code, 0, `knsupdate add: ${k.output}`);
  t.match(k.output, /status: NOERROR/);
  t.match(k.output, /TSIG\s+hmac-sha512\. \d+ 300 64 \S+ \d+ NOERROR/, 'the reply is signed with the account key (knsupdate verified it)');
  t.same(await served(server, b.slot), [v1]);
  const kTcp = await runUpdateClient('knsupdate', ['-v', '-y', b.spec], script(server, `update delete ${b.slot} TXT`));
  t.equal(kTcp.code, 0, 'knsupdate -v (TCP) deletes the RRset');
  t.same(await served(server, b.slot), []);
  t.same(await served(server, a.slot), [v2], 'the other account is untouched');

  const events = server.store.auditEvents(20).filter((e) => e.subdomain === a.subdomain && e.kind.startsWith('txt.'));
  t.same(
    events.map((e) => e.kind),
    ['txt.delete', 'txt.update', 'txt.update'],
    'audit events as for the API',
  );
  t.equal(events[0]!.remote, '127.0.0.1');
  t.equal(events[0]!.detail, `dns-update ${a.slot}`);
  const text = server.logs.join('\n');
  for (const account of [a, b]) t.notOk(text.includes(account.key.secret.toString('base64')), 'the secret is never logged');
});

t.test('another slot, the apex, another type, a bad value, unsigned: REFUSED and nothing changes', { skip }, async (t) => {
  const server = await startUpdateServer(t);
  const a = addKeyedAccount(server.store);
  const b = addKeyedAccount(server.store);
  const value = challengeValue();
  server.store.addTxtValue(b.subdomain, value);
  const serial = server.zone.serial();
  const attempts: [string, string[]][] = [
    ['another account slot', [`update add ${b.slot} 60 TXT ${challengeValue()}`]],
    ['delete at another slot', [`update delete ${b.slot} TXT`]],
    ['the apex', [`update add ${ZONE} 60 TXT ${challengeValue()}`]],
    ['a name below the slot', [`update add x.${a.slot} 60 TXT ${challengeValue()}`]],
    ['another type at the slot', [`update add ${a.slot} 60 A 192.0.2.1`]],
    ['a CNAME at the slot', [`update add ${a.slot} 60 CNAME example.com.`]],
    ['not an ACME value', [`update add ${a.slot} 60 TXT "hello world"`]],
    ['one good and one bad record', [`update add ${a.slot} 60 TXT ${challengeValue()}`, `update add ${b.slot} 60 TXT ${challengeValue()}`]],
  ];
  for (const [what, commands] of attempts) {
    const out = await runUpdateClient('nsupdate', ['-y', a.spec], script(server, ...commands));
    t.match(out.output, /REFUSED/, `${what}: REFUSED`);
    const k = await runUpdateClient('knsupdate', ['-y', a.spec], script(server, ...commands));
    t.match(k.output, /REFUSED/, `${what}: REFUSED (knsupdate)`);
  }
  const unsigned = await runUpdateClient('nsupdate', [], script(server, `update add ${a.slot} 60 TXT ${challengeValue()}`));
  t.match(unsigned.output, /REFUSED/, 'unsigned: REFUSED');
  t.equal(server.zone.serial(), serial, 'the serial did not move');
  t.same(await served(server, a.slot), [], 'own slot unchanged');
  t.same(await served(server, b.slot), [value], 'the other slot unchanged');
});

t.test('wrong secret BADSIG, unknown key BADKEY, clock skew BADTIME: NOTAUTH, signed where RFC 8945 says', { skip }, async (t) => {
  const server = await startUpdateServer(t);
  const a = addKeyedAccount(server.store);
  const other = Buffer.from('an entirely different secret!!!!').toString('base64');
  const wrong = await runUpdateClient('knsupdate', ['-y', `hmac-sha256:${a.slot}:${other}`], script(server, `update add ${a.slot} 60 TXT ${challengeValue()}`));
  t.match(wrong.output, /BADSIG/, 'wrong secret: BADSIG (knsupdate)');
  const wrongNs = await runUpdateClient('nsupdate', ['-y', `hmac-sha256:${a.slot}:${other}`], script(server, `update add ${a.slot} 60 TXT ${challengeValue()}`));
  t.match(wrongNs.output, /NOTAUTH\(BADSIG\)/, 'wrong secret: NOTAUTH(BADSIG) (nsupdate)');
  const unknown = await runUpdateClient('nsupdate', ['-y', `hmac-sha256:nobody.${ZONE}:${other}`], script(server, `update add ${a.slot} 60 TXT ${challengeValue()}`));
  t.match(unknown.output, /NOTAUTH\(BADKEY\)/, 'unknown key: NOTAUTH(BADKEY)');
  const algorithm = await runUpdateClient('nsupdate', ['-y', `hmac-sha512:${a.slot}:${a.key.secret.toString('base64')}`], script(server, `update add ${a.slot} 60 TXT ${challengeValue()}`));
  t.match(algorithm.output, /NOTAUTH\(BADKEY\)/, 'right secret, wrong algorithm: BADKEY');

  // Ten minutes in the past, well beyond the 300 s fudge: a client we control sends it.
  const message = buildUpdate({ id: 777, updates: [{ name: a.slot, type: 16, ttl: 60, rdata: txt(challengeValue()) }] });
  const stale = signMessage(message, a.key, { timeSigned: nowSeconds() - 600 });
  const reply = await udpExchange(server.port, stale.message);
  t.equal(reply.readUInt16BE(2) & 0xf, 9, 'NOTAUTH');
  const tsig = findTsig(reply);
  t.ok(tsig && typeof tsig !== 'string', 'the reply has a TSIG record');
  if (tsig && typeof tsig !== 'string') {
    t.equal(tsig.error, TsigError.BADTIME, 'BADTIME');
    t.equal(tsig.mac.length, 32, 'signed');
    t.equal(tsig.timeSigned, nowSeconds() - 600, 'at the request time');
    t.ok(Math.abs(tsig.otherData.readUIntBE(0, 6) - nowSeconds()) <= 2, 'our clock in other data');
  }
  t.same(await served(server, a.slot), [], 'nothing changed');

  // The same update signed now succeeds, and its reply verifies with the account key.
  const fresh = signMessage(message, a.key, { timeSigned: nowSeconds() });
  const ok = await udpExchange(server.port, fresh.message);
  t.equal(ok.readUInt16BE(2) & 0xf, 0, 'NOERROR');
  t.equal(verifyReply(ok, a.key, fresh.mac, nowSeconds()), true, 'signed reply verifies');
});

t.test('zone section: another zone NOTAUTH, a name outside the zone NOTZONE, a zone type other than SOA FORMERR', { skip }, async (t) => {
  const server = await startUpdateServer(t);
  const a = addKeyedAccount(server.store);
  const other = await runUpdateClient('nsupdate', ['-y', a.spec], [`server 127.0.0.1 ${server.port}`, 'zone example.net', `update add x.example.net 60 TXT ${challengeValue()}`, 'send']);
  t.match(other.output, /NOTAUTH/, 'another zone: NOTAUTH');
  const signedSend = async (message: Buffer): Promise<{ rcode: number; account: KeyedAccount }> => {
    const signed = signMessage(message, a.key, { timeSigned: nowSeconds() });
    const reply = await udpExchange(server.port, signed.message);
    t.equal(verifyReply(reply, a.key, signed.mac, nowSeconds()), true, 'the reply is signed');
    return { rcode: reply.readUInt16BE(2) & 0xf, account: a };
  };
  t.equal((await signedSend(buildUpdate({ updates: [{ name: 'www.example.com', type: 16, ttl: 60, rdata: txt(challengeValue()) }] }))).rcode, 10, 'NOTZONE');
  t.equal((await signedSend(buildUpdate({ zoneType: 1, updates: [] }))).rcode, 1, 'ZTYPE A: FORMERR');
  t.equal((await signedSend(buildUpdate({ updates: [{ name: a.slot, type: 16, class: 255, ttl: 0, rdata: txt('x') }] }))).rcode, 1, 'RRset deletion with data: FORMERR');
});

t.test('prerequisites (RFC 2136 §3.2) are evaluated against what the slot serves', { skip }, async (t) => {
  const server = await startUpdateServer(t);
  const a = addKeyedAccount(server.store);
  const value = challengeValue();
  const next = challengeValue();
  const send = (...commands: string[]): Promise<{ code: number; output: string }> => runUpdateClient('nsupdate', ['-y', a.spec], script(server, ...commands));
  t.match((await send(`prereq yxrrset ${a.slot} TXT`, `update add ${a.slot} 60 TXT ${value}`)).output, /NXRRSET/, 'yxrrset on an empty slot: NXRRSET');
  t.equal((await send(`prereq nxrrset ${a.slot} TXT`, `update add ${a.slot} 60 TXT ${value}`)).code, 0, 'nxrrset on an empty slot: applied');
  t.match((await send(`prereq nxrrset ${a.slot} TXT`, `update add ${a.slot} 60 TXT ${next}`)).output, /YXRRSET/, 'nxrrset now: YXRRSET');
  t.match((await send(`prereq yxrrset ${a.slot} TXT ${next}`, `update add ${a.slot} 60 TXT ${next}`)).output, /NXRRSET/, 'value-dependent, wrong value: NXRRSET');
  t.equal((await send(`prereq yxrrset ${a.slot} TXT ${value}`, `update add ${a.slot} 60 TXT ${next}`)).code, 0, 'value-dependent, right value: applied');
  t.match((await send(`prereq nxdomain ${a.slot}`, `update delete ${a.slot} TXT`)).output, /YXDOMAIN/, 'nxdomain on a slot with data: YXDOMAIN');
  t.equal((await send(`prereq yxdomain ${ZONE}`, `update delete ${a.slot}`)).code, 0, 'yxdomain on the apex, delete all at the slot: applied');
  t.same(await served(server, a.slot), []);
  t.match((await send(`prereq yxrrset www.example.com TXT`, `update add ${a.slot} 60 TXT ${value}`)).output, /NOTZONE/, 'a prerequisite outside the zone: NOTZONE');
});

t.test('retention: an UPDATE keeps the newest txt_values_per_slot values, as POST /update does', { skip }, async (t) => {
  const server = await startUpdateServer(t);
  const a = addKeyedAccount(server.store);
  const values = [challengeValue(), challengeValue(), challengeValue()];
  const out = await runUpdateClient('nsupdate', ['-y', a.spec], script(server, ...values.map((v) => `update add ${a.slot} 60 TXT ${v}`)));
  t.equal(out.code, 0);
  t.same(await served(server, a.slot), values.slice(1).sort(), 'the two newest (txt_values_per_slot = 2)');
  const before = server.zone.serial();
  t.ok(server.store.journalSince(before - 1, before), 'the change is in the IXFR journal');
});

t.test('revoking the account, removing or rotating its key applies to the next UPDATE', { skip }, async (t) => {
  const server = await startUpdateServer(t);
  const a = addKeyedAccount(server.store);
  const add = (spec: string): Promise<{ code: number; output: string }> => runUpdateClient('nsupdate', ['-y', spec], script(server, `update add ${a.slot} 60 TXT ${challengeValue()}`));
  t.equal((await add(a.spec)).code, 0);
  server.store.setTsigKey(a.username, { algorithm: 'hmac-sha256', secret: Buffer.from('the rotated secret, 32 bytes....').toString('base64') });
  t.match((await add(a.spec)).output, /NOTAUTH\(BADSIG\)/, 'the old secret after rotation: BADSIG');
  t.equal((await add(`hmac-sha256:${a.slot}:${Buffer.from('the rotated secret, 32 bytes....').toString('base64')}`)).code, 0, 'the new one works');
  server.store.setTsigKey(a.username, null);
  t.match((await add(a.spec)).output, /NOTAUTH\(BADKEY\)/, 'key removed: BADKEY');
  const b = addKeyedAccount(server.store);
  server.store.revokeAccount(b.username);
  t.match((await runUpdateClient('nsupdate', ['-y', b.spec], script(server, `update add ${b.slot} 60 TXT ${challengeValue()}`))).output, /NOTAUTH\(BADKEY\)/, 'revoked: BADKEY');
});

t.test('bad signatures are rate limited by source address; answers to queries do not wait', { skip }, async (t) => {
  const server = await startUpdateServer(t, { guard: { failuresPerAddress: 3, failuresPerUsername: 100, refillSeconds: 3600, maxEntries: 100 } });
  const a = addKeyedAccount(server.store);
  const badKey = { ...a.key, secret: Buffer.from('not the secret of this account!!') };
  const rcodes: number[] = [];
  for (let i = 0; i < 6; i++) {
    const bad = signMessage(buildUpdate({ id: 100 + i, updates: [{ name: a.slot, type: 16, ttl: 60, rdata: txt(challengeValue()) }] }), badKey, { timeSigned: nowSeconds() });
    const reply = await udpExchange(server.port, bad.message);
    rcodes.push(reply.readUInt16BE(2) & 0xf);
  }
  t.same(rcodes, [9, 9, 9, 5, 5, 5], 'three NOTAUTH, then REFUSED without verifying');
  // A TCP connection keeps answering queries while it is refused.
  const socket = await tcpConnect(server.port);
  t.teardown(() => socket.destroy());
  socket.write(frame(buildUpdate({ id: 1 })));
  const [unsigned] = await readFrames(socket, 1);
  t.equal(unsigned!.readUInt16BE(2) & 0xf, 5, 'unsigned over TCP: REFUSED');
  t.same(await served(server, a.slot), []);
});

t.test('a ddns account\u2019s key sets only its slot\u2019s A and AAAA (public addresses), never TXT', { skip }, async (t) => {
  const server = await startUpdateServer(t);
  const d = addKeyedAccount(server.store, 'hmac-sha256', 'ddns');
  const send = (tool: 'nsupdate' | 'knsupdate', ...commands: string[]): Promise<{ code: number; output: string }> => runUpdateClient(tool, ['-y', d.spec], script(server, ...commands));
  const dig = async (type: string): Promise<string> => (await run('dig', ['+short', '@127.0.0.1', '-p', String(server.port), type, d.slot])).trim();
  t.equal((await send('nsupdate', `update add ${d.slot} 60 A 8.8.8.8`, `update add ${d.slot} 60 AAAA 2001:4860:4860::8888`)).code, 0, 'A and AAAA in one UPDATE');
  t.equal(await dig('A'), '8.8.8.8');
  t.equal(await dig('AAAA'), '2001:4860:4860::8888');
  t.equal((await send('knsupdate', `update add ${d.slot} 60 A 1.1.1.1`)).code, 0, 'a new A replaces the old (one address per family)');
  t.equal(await dig('A'), '1.1.1.1');
  t.match((await send('nsupdate', `update add ${d.slot} 60 TXT ${challengeValue()}`)).output, /REFUSED/, 'TXT at a ddns slot: REFUSED');
  t.match((await send('nsupdate', `update add ${d.slot} 60 A 192.168.1.1`)).output, /REFUSED/, 'a private address: REFUSED');
  t.match((await send('nsupdate', `update add ${d.slot} 60 A 224.0.0.1`)).output, /REFUSED/, 'multicast: REFUSED');
  t.equal(await dig('A'), '1.1.1.1', 'refusals changed nothing');
  t.match((await send('nsupdate', `prereq yxrrset ${d.slot} A 8.8.8.8`, `update delete ${d.slot} A`)).output, /NXRRSET/, 'value-dependent prerequisite on the A: NXRRSET');
  t.equal((await send('nsupdate', `prereq yxrrset ${d.slot} A 1.1.1.1`, `update delete ${d.slot} A 1.1.1.1`)).code, 0, 'delete the A it holds');
  t.equal(await dig('A'), '');
  t.equal(await dig('AAAA'), '2001:4860:4860::8888', 'the AAAA stays');
  t.equal((await send('nsupdate', `update delete ${d.slot}`)).code, 0, 'delete everything at the slot');
  t.equal(await dig('AAAA'), '');
  t.ok(server.store.auditEvents(20).some((e) => e.kind === 'address.update' && e.subdomain === d.subdomain && e.remote === '127.0.0.1'), 'audited as a ddns address update');
});
