// Hostile DNS UPDATE messages at the running server over UDP and TCP: random bytes with the
// UPDATE opcode, and valid UPDATEs (unsigned, signed, signed then mutated, mutated then signed
// with a real key so the garbage passes TSIG and reaches the rules) aimed at another account's
// slot, the apex and other types. None may crash the server or change a slot it may not change.
import t from 'tap';
import { txtPattern } from '../../src/crypto/secrets.js';
import { signMessage } from '../../src/dns/tsig.js';
import { rng } from './fuzz-packets.js';
import { buildQuery, header, ZONE } from './helpers.js';
import { frame, readFrames, tcpConnect, udpBlast, udpExchange } from './socket-helpers.js';
import { addKeyedAccount, buildUpdate, challengeValue, startUpdateServer, txt, type WireRR } from './update-helpers.js';

function mutate(base: Buffer, random: () => number): Buffer {
  const int = (n: number): number => Math.floor(random() * n);
  const out = Buffer.from(base);
  switch (int(5)) {
    case 0:
      return out.subarray(0, int(out.length + 1)); // truncated
    case 1:
      for (let j = 0, n = 1 + int(6); j < n; j++) out[12 + int(out.length - 12)] = int(256); // flipped bytes
      return out;
    case 2:
      for (let j = 4; j < 12; j += 2) out.writeUInt16BE(int(4) === 0 ? 0xffff : int(5), j); // wrong counts
      return out;
    case 3: {
      const at = 12 + int(out.length - 12); // compression pointers anywhere
      out[at] = 0xc0 | int(4);
      if (at + 1 < out.length) out[at + 1] = int(128);
      return out;
    }
    default:
      return Buffer.concat([out, Buffer.from(Array.from({ length: int(40) }, () => int(256)))]); // trailing junk
  }
}

t.test('20,000 hostile UPDATE messages: no crash, no slot changed that the key may not change', async (t) => {
  const server = await startUpdateServer(t, { guard: { failuresPerAddress: 1e9, failuresPerUsername: 1e9, refillSeconds: 1, maxEntries: 100 } });
  const attacker = addKeyedAccount(server.store);
  const victim = addKeyedAccount(server.store);
  const own = addKeyedAccount(server.store);
  const victimValue = challengeValue();
  server.store.addTxtValue(victim.subdomain, victimValue);
  const now = (): number => Math.floor(Date.now() / 1000);

  const hostile: WireRR[][] = [
    [{ name: victim.slot, type: 16, ttl: 60, rdata: txt(challengeValue()) }],
    [{ name: victim.slot, type: 255, class: 255 }],
    [{ name: victim.slot, type: 16, class: 254, rdata: txt(victimValue) }],
    [{ name: ZONE, type: 16, ttl: 60, rdata: txt(challengeValue()) }],
    [{ name: ZONE, type: 2, class: 255 }],
    [{ name: attacker.slot, type: 1, ttl: 60, rdata: Buffer.from([192, 0, 2, 1]) }],
    [{ name: `x.${attacker.slot}`, type: 16, ttl: 60, rdata: txt(challengeValue()) }],
  ];
  const seeds = hostile.map((updates, i) => buildUpdate({ id: i, updates, prerequisites: i % 2 ? [{ name: victim.slot, type: 255, class: 255 }] : [] }));
  // The own account's key may change its own slot: its seeds are valid, and mutations of them must leave only valid values.
  const ownSeeds = [
    buildUpdate({ updates: [{ name: own.slot, type: 16, ttl: 60, rdata: txt(challengeValue()) }] }),
    buildUpdate({ updates: [{ name: own.slot, type: 16, class: 255 }, { name: own.slot, type: 16, ttl: 60, rdata: txt(challengeValue()) }] }),
  ];

  // An ARCOUNT of 65535 leaves no room for a TSIG record: such a message goes unsigned.
  const signed = (msg: Buffer, account: typeof own): Buffer =>
    msg.length >= 12 && msg.readUInt16BE(10) < 0xffff ? signMessage(msg, account.key, { timeSigned: now() }).message : msg;
  const random = rng(0x2136);
  const int = (n: number): number => Math.floor(random() * n);
  const packets: Buffer[] = [];
  for (let i = 0; i < 20000; i++) {
    const kind = i % 6;
    if (kind === 0) {
      const junk = Buffer.from(Array.from({ length: 12 + int(100) }, () => int(256)));
      junk[2] = (5 << 3) | (junk[2]! & 0x07); // opcode UPDATE, QR clear
      packets.push(junk);
    } else if (kind === 1) {
      packets.push(mutate(seeds[int(seeds.length)]!, random)); // unsigned, mutated
    } else if (kind === 2) {
      packets.push(mutate(signMessage(seeds[int(seeds.length)]!, attacker.key, { timeSigned: now() }).message, random)); // signed, then mutated
    } else if (kind === 3) {
      packets.push(signed(mutate(seeds[int(seeds.length)]!, random), attacker)); // mutated, then signed
    } else if (kind === 4) {
      packets.push(signMessage(seeds[int(seeds.length)]!, attacker.key, { timeSigned: now() }).message); // well-formed and refused
    } else {
      packets.push(signed(mutate(ownSeeds[int(ownSeeds.length)]!, random), own));
    }
  }
  const serialBefore = server.zone.serial();
  const replies = await udpBlast(server.port, packets.slice(0, 16000));
  t.ok(replies > 1000, `${replies} UDP replies`);
  // The rest over TCP, pipelined on a few connections.
  for (let c = 0; c < 8; c++) {
    const socket = await tcpConnect(server.port);
    socket.on('error', () => undefined);
    socket.resume(); // read (and drop) the replies, or the server stops writing to us
    socket.setTimeout(20000, () => socket.destroy());
    socket.write(Buffer.concat(packets.slice(16000 + c * 500, 16000 + (c + 1) * 500).map(frame)));
    socket.end();
    await new Promise((resolve) => socket.once('close', resolve));
  }

  const reply = await udpExchange(server.port, buildQuery(victim.slot, { id: 4242 }));
  t.match(header(reply), { id: 4242, rcode: 0 });
  t.same(server.store.slotValues(victim.subdomain), [victimValue], 'the other account\u2019s slot is unchanged');
  t.same(server.store.slotValues(attacker.subdomain), [], 'the attacker\u2019s own slot got no A, no junk');
  const ownValues = server.store.slotValues(own.subdomain);
  t.ok(ownValues.every((v) => txtPattern.test(v)) && ownValues.length <= 2, `own slot holds only ACME values (${ownValues.length})`);
  const ownChanges = server.store.auditEvents(100000).filter((e) => e.subdomain === own.subdomain && e.kind.startsWith('txt.')).length;
  t.ok(ownChanges > 0, `mutated updates that stayed valid were committed (${ownChanges} changes to the own slot)`);
  const changed = server.store.auditEvents(100000).filter((e) => e.kind.startsWith('txt.') && e.subdomain !== own.subdomain && e.subdomain !== victim.subdomain);
  t.same(changed, [], 'no TXT event for any slot but the one the key owns');
  t.ok(server.zone.serial() >= serialBefore);
  // The server still takes a good update from the attacker's key at its own slot, over TCP.
  const socket = await tcpConnect(server.port);
  t.teardown(() => socket.destroy());
  const good = signMessage(buildUpdate({ id: 99, updates: [{ name: attacker.slot, type: 16, ttl: 60, rdata: txt(challengeValue()) }] }), attacker.key, { timeSigned: now() });
  socket.write(frame(good.message));
  const [answer] = await readFrames(socket, 1);
  t.equal(answer!.readUInt16BE(2) & 0xf, 0, 'NOERROR after the storm');
});
