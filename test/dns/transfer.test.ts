// Zone transfers against the running server with real kdig and dig: a signed AXFR is complete
// and every message's TSIG verifies; everything not allowed is refused and leaks nothing.
import { execFile } from 'node:child_process';
import t, { type Test } from 'tap';
import { findTsig, parseTsigKey, signMessage, TsigError } from '../../src/dns/tsig.js';
import { createLogger } from '../../src/log.js';
import { addDdnsSlot, addSlot, buildQuery, testStore, ZONE } from './helpers.js';
import { startTransferPrimary } from './transfer-helpers.js';
import { closed, frame, readFrames, run, tcpConnect, toolMissing, udpExchange } from './socket-helpers.js';

const secret = Buffer.from('transfer test secret of 32 bytes').toString('base64');
const keySpec = `hmac-sha256:xfr-key:${secret}`;
const skip = toolMissing('kdig') || toolMissing('dig');

async function startPrimary(t: Test, slots: number, overrides: Record<string, string | readonly string[]> = {}) {
  const store = testStore();
  for (let i = 0; i < slots; i++) addSlot(store, `slot-${i}`, [`value-${i}-a`.padEnd(43, 'x'), `value-${i}-b`.padEnd(43, 'y')]);
  return { store, ...(await startTransferPrimary(t, store, keySpec, overrides)) };
}


/** kdig's output and its complaints (it reports a refusal or a TSIG error on stderr). */
function kdigBoth(port: number, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('kdig', ['@127.0.0.1', '-p', String(port), ...args], { timeout: 15000 }, (_err, stdout, stderr) => resolve(stdout + stderr));
  });
}

const answerLines = (out: string): string[] => out.split('\n').filter((l) => l !== '' && !l.startsWith(';') && !/\tTSIG\t/.test(l));

t.test('signed AXFR: SOA first and last, every slot value, each message signed', { skip }, async (t) => {
  const { port, zone } = await startPrimary(t, 3000);
  const out = await run('dig', ['@127.0.0.1', '-p', String(port), 'AXFR', ZONE, '-y', keySpec]);
  t.notMatch(out, /Transfer failed|;; ERROR|BADSIG|BADKEY|verify failure/, 'dig verified every TSIG');
  const lines = answerLines(out);
  t.match(lines[0], /\tSOA\t/);
  t.match(lines[lines.length - 1], /\tSOA\t/);
  t.equal(lines.filter((l) => /\tTXT\t/.test(l)).length, 6000, 'two values of each of 3000 slots');
  t.ok(lines.some((l) => l.includes('"value-2999-b')), 'the last slot is there');
  const messages = Number(/messages (\d+)/.exec(out)?.[1]);
  t.ok(messages > 1, `several messages (${messages}), each verified by dig`);
  t.match(out, new RegExp(`SOA\\t.* ${zone.serial()} `), 'the current serial');
  const k = await run('kdig', ['@127.0.0.1', '-p', String(port), 'AXFR', ZONE, '-y', `hmac-sha256:xfr-key:${secret}`]);
  t.notMatch(k, /failed|;; ERROR|BADSIG|BADKEY/, 'kdig too');
  t.equal(answerLines(k).length, lines.length);
});

t.test('refusals: no key, wrong key, wrong algorithm, stale time, UDP, a stranger', { skip }, async (t) => {
  const { port } = await startPrimary(t, 5);
  const dig = (...args: string[]): Promise<string> => kdigBoth(port, args);
  t.match(await dig('AXFR', ZONE), /REFUSED/, 'unsigned: REFUSED');
  const wrongSecret = await dig('AXFR', ZONE, '-y', `hmac-sha256:xfr-key:${Buffer.from('some other secret, 32 bytes long').toString('base64')}`);
  t.match(wrongSecret, /BADSIG/, 'wrong secret: BADSIG');
  t.match(await dig('AXFR', ZONE, '-y', `hmac-sha512:xfr-key:${secret}`), /BADKEY/, 'wrong algorithm: BADKEY');
  t.match(await dig('AXFR', ZONE, '-y', `hmac-sha256:someone-else:${secret}`), /BADKEY/, 'unknown key: BADKEY');
  for (const out of [wrongSecret]) t.notMatch(out, /\tTXT\t|\tNS\t/, 'no record leaked');

  // A request signed ten minutes ago: NOTAUTH, BADTIME, signed at its own time with ours in other data.
  const key = parseTsigKey(keySpec);
  const stale = signMessage(buildQuery(ZONE, { type: 252, id: 4242 }), key, { timeSigned: Math.floor(Date.now() / 1000) - 600 });
  const socket = await tcpConnect(port);
  t.teardown(() => socket.destroy());
  socket.write(frame(stale.message));
  const [badTime] = await readFrames(socket, 1);
  t.equal(badTime!.readUInt16BE(2) & 0xf, 9, 'NOTAUTH');
  const tsig = findTsig(badTime!);
  t.ok(tsig && typeof tsig !== 'string' && tsig.error === TsigError.BADTIME && tsig.mac.length === 32 && tsig.otherData.length === 6, 'BADTIME, signed, our time');
  t.equal(badTime!.readUInt16BE(6), 0, 'no answer records');

  const udp = await udpExchange(port, signMessage(buildQuery(ZONE, { type: 252, id: 7 }), key, { timeSigned: Math.floor(Date.now() / 1000) }).message);
  t.equal(udp.readUInt16BE(2) & 0xf, 5, 'AXFR over UDP: REFUSED, even signed');
});

t.test('an address that is not a secondary is refused even with the key', { skip }, async (t) => {
  const { port } = await startPrimary(t, 5, { 'dns.secondaries': ['127.0.0.2:53000'] });
  const out = await kdigBoth(port, ['AXFR', ZONE, '-y', keySpec]);
  t.match(out, /REFUSED/);
  t.notMatch(out, /\tTXT\t/);
});

t.test('IXFR over UDP answers the SOA alone; a signed SOA query gets a signed answer', { skip }, async (t) => {
  const { port, zone } = await startPrimary(t, 5);
  const ixfr = await run('dig', ['@127.0.0.1', '-p', String(port), '+notcp', `IXFR=${zone.serial() - 1}`, ZONE, '-y', keySpec]);
  t.equal(answerLines(ixfr).filter((l) => /\tSOA\t/.test(l)).length, 1, 'one SOA: ask over TCP');
  const soa = await run('kdig', ['@127.0.0.1', '-p', String(port), 'SOA', ZONE, '-y', keySpec]);
  t.match(soa, /TSIG\s+hmac-sha256\. \d+ 300 32 \S+ \d+ NOERROR/, 'signed reply, verified by kdig');
  t.match(soa, /status: NOERROR/);
});

t.test('malformed transfer requests and a reader that leaves mid-transfer change nothing', { skip }, async (t) => {
  const { port } = await startPrimary(t, 2000);
  const key = parseTsigKey(keySpec);
  const signed = signMessage(buildQuery(ZONE, { type: 252, id: 99 }), key, { timeSigned: Math.floor(Date.now() / 1000) }).message;
  const socket = await tcpConnect(port);
  socket.write(frame(signed.subarray(0, signed.length - 7)));
  const [formerr] = await readFrames(socket, 1);
  t.equal(formerr!.readUInt16BE(2) & 0xf, 1, 'truncated TSIG: FORMERR');
  // Ask for the zone, read one message, hang up.
  socket.write(frame(signed));
  await readFrames(socket, 1);
  socket.destroy();
  await closed(socket);
  const again = await run('dig', ['@127.0.0.1', '-p', String(port), 'AXFR', ZONE, '-y', keySpec]);
  t.equal(answerLines(again).filter((l) => /\tTXT\t/.test(l)).length, 4000, 'the next transfer is whole');
});

t.test('IXFR from a journaled serial sends only the difference; from an unknown serial, the whole zone', { skip }, async (t) => {
  const { port, store, zone } = await startPrimary(t, 3000);
  const old = zone.serial();
  const fresh = 'fresh-value'.padEnd(43, 'z');
  store.addTxtValue('slot-5', fresh);
  const out = await kdigBoth(port, [`IXFR=${old}`, ZONE, '-y', keySpec]);
  const lines = answerLines(out);
  t.equal(lines.length, 6, 'new SOA, old SOA, the value that left, new SOA, the value that came, new SOA');
  t.match(lines[1], new RegExp(`SOA\t.* ${old} `), 'the difference starts at the client serial');
  t.match(lines[2], /slot-5\.auth\.example\.org\.\s+1\s+IN\s+TXT\s+"value-5-a/, 'the oldest value left (two per slot)');
  t.match(lines[4], new RegExp(`slot-5\\.auth\\.example\\.org\\.\\s+1\\s+IN\\s+TXT\\s+"${fresh}"`), 'the new value came');
  t.ok(Number(/Received (\d+) B/.exec(out)?.[1]) < 1000, 'a few hundred bytes for one update of a 3,000-slot zone');
  const full = answerLines(await kdigBoth(port, ['IXFR=12345', ZONE, '-y', keySpec]));
  t.equal(full.filter((l) => /\tTXT\t/.test(l)).length, 6000, 'a serial the journal does not know: the whole zone');
  const current = answerLines(await kdigBoth(port, [`IXFR=${zone.serial()}`, ZONE, '-y', keySpec]));
  t.equal(current.length, 1, 'up to date: the SOA alone');
});

t.test('a ddns slot: AXFR holds its A and AAAA, IXFR carries an address change with the ddns TTL', { skip }, async (t) => {
  const { port, store, zone } = await startPrimary(t, 2, { 'ddns.ttl': '60' });
  addDdnsSlot(store, 'home', { ipv4: '203.0.113.7', ipv6: '2001:db8::7' });
  const axfr = answerLines(await kdigBoth(port, ['AXFR', ZONE, '-y', keySpec]));
  t.ok(axfr.some((l) => /^home\.auth\.example\.org\.\s+60\s+IN\s+A\s+203\.0\.113\.7$/.test(l)), 'AXFR: the A');
  t.ok(axfr.some((l) => /^home\.auth\.example\.org\.\s+60\s+IN\s+AAAA\s+2001:db8::7$/.test(l)), 'AXFR: the AAAA');
  const old = zone.serial();
  store.setAddresses({ subdomain: 'home', ipv4: '203.0.113.8' });
  const lines = answerLines(await kdigBoth(port, [`IXFR=${old}`, ZONE, '-y', keySpec]));
  t.equal(lines.length, 6, 'new SOA, old SOA, the old A, new SOA, the new A, new SOA');
  t.match(lines[2], /^home\.auth\.example\.org\.\s+60\s+IN\s+A\s+203\.0\.113\.7$/, 'the old address left');
  t.match(lines[4], /^home\.auth\.example\.org\.\s+60\s+IN\s+A\s+203\.0\.113\.8$/, 'the new address came; the AAAA did not move');
});

t.test('transfer log lines name the peer with its port, as BIND does', { skip }, async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', format: 'json', write: (line) => lines.push(line) });
  const store = testStore();
  addSlot(store, 'slot-1', ['logged-value'.padEnd(43, 'x')]);
  const { port } = await startTransferPrimary(t, store, keySpec, {}, logger);
  await kdigBoth(port, ['AXFR', ZONE, '-y', keySpec]);
  await kdigBoth(port, ['AXFR', ZONE]);
  await kdigBoth(port, ['AXFR', ZONE, '-y', `hmac-sha256:someone-else:${secret}`]);
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const msg of ['dns: zone transfer sent', 'dns: zone transfer refused', 'dns: TSIG check failed']) {
    const peer = String(entries.find((e) => e.msg === msg)?.peer);
    const [, peerPort] = /^127\.0\.0\.1:(\d+)$/.exec(peer) ?? [];
    t.ok(peerPort !== undefined && Number(peerPort) > 0 && Number(peerPort) !== port, `"${msg}" names kdig's address and source port: ${peer}`);
  }
});
