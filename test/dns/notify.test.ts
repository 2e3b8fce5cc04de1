// The NOTIFY sender against stand-in secondaries on loopback: signed NOTIFYs with the current SOA,
// changes folded while one is in flight, retries with backoff to a silent secondary that delay
// nobody else, and replies from strangers ignored.
import { createSocket, type Socket } from 'node:dgram';
import t from 'tap';
import { RRType } from '../../src/dns/constants.js';
import { createNotifier, OPCODE_NOTIFY } from '../../src/dns/notify.js';
import type { RRset } from '../../src/dns/records.js';
import { findTsig, parseTsigKey, signMessage, verifyRequest } from '../../src/dns/tsig.js';
import { readMessage } from '../../src/dns/wire-reader.js';
import { silentLogger } from '../../src/log.js';
import { decode } from './helpers.js';

const key = parseTsigKey(`hmac-sha256:notify-key:${Buffer.from('notify test secret 32 bytes long').toString('base64')}`);

function soaAt(serial: number): RRset {
  return {
    name: 'auth.example.org',
    type: RRType.SOA,
    ttl: 3600,
    rdata: [{ type: RRType.SOA, mname: 'ns.auth.example.org', rname: 'hostmaster.auth.example.org', serial, refresh: 3600, retry: 600, expire: 1209600, minimum: 60 }],
  };
}

interface FakeSecondary {
  readonly port: number;
  readonly received: Buffer[];
  /** Where the NOTIFYs came from (the notifier's socket). */
  from: { address: string; port: number } | null;
  answer: boolean;
  send(msg: Buffer, port: number): Promise<void>;
  close(): void;
}

async function fakeSecondary(answer: boolean): Promise<FakeSecondary> {
  const socket: Socket = createSocket('udp4');
  const fake: FakeSecondary = {
    port: 0,
    received: [],
    from: null,
    answer,
    send: (msg, port) => new Promise((resolve) => socket.send(msg, port, '127.0.0.1', () => resolve())),
    close: () => socket.close(),
  };
  socket.on('message', (msg, rinfo) => {
    fake.received.push(msg);
    fake.from = { address: rinfo.address, port: rinfo.port };
    if (!fake.answer) return;
    const reply = Buffer.from(msg.subarray(0, 12));
    reply[2] = 0x80 | (OPCODE_NOTIFY << 3) | 0x04;
    reply.fill(0, 4, 12);
    const tsig = findTsig(msg);
    const out = tsig && typeof tsig !== 'string' ? signMessage(reply, key, { timeSigned: Math.floor(Date.now() / 1000), priorMac: tsig.mac }).message : reply;
    socket.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return Object.assign(fake, { port: socket.address().port });
}

const until = async (check: () => boolean, ms = 3000): Promise<boolean> => {
  const start = Date.now();
  while (!check() && Date.now() - start < ms) await new Promise((r) => setTimeout(r, 5));
  return check();
};

t.test('a signed NOTIFY with the current SOA; changes in flight fold into one more', async (t) => {
  const secondary = await fakeSecondary(true);
  t.teardown(() => secondary.close());
  let serial = 100;
  const notifier = createNotifier({ secondaries: [{ host: '127.0.0.1', port: secondary.port, key }], soa: () => soaAt(serial), logger: silentLogger });
  t.teardown(() => notifier.close());
  notifier.changed();
  for (let i = 0; i < 20; i++) {
    serial++;
    notifier.changed();
  }
  t.ok(await until(() => notifier.acknowledged().get(`127.0.0.1:${secondary.port}`) === 2), 'two NOTIFYs answered');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(secondary.received.length, 2, '21 changes, one in flight at a time: 2 NOTIFYs');
  const last = secondary.received[1]!;
  const parsed = readMessage(last);
  t.ok(typeof parsed !== 'string' && parsed.opcode === OPCODE_NOTIFY && (parsed.flags & 0x0400) !== 0, 'opcode NOTIFY, AA');
  const soa = decode(last).answers[0] as { serial?: number; name?: string };
  t.equal(soa.serial, 120, 'the second NOTIFY carries the newest serial');
  t.equal(soa.name, 'auth.example.org');
});

t.test('a silent secondary is retried with backoff and delays nobody', async (t) => {
  const silent = await fakeSecondary(false);
  const prompt = await fakeSecondary(true);
  t.teardown(() => {
    silent.close();
    prompt.close();
  });
  const notifier = createNotifier({
    secondaries: [
      { host: '127.0.0.1', port: silent.port, key: undefined },
      { host: '127.0.0.1', port: prompt.port, key: undefined },
    ],
    soa: () => soaAt(7),
    logger: silentLogger,
    firstTimeoutMs: 20,
    attempts: 4,
  });
  t.teardown(() => notifier.close());
  const start = Date.now();
  notifier.changed();
  t.ok(await until(() => notifier.acknowledged().get(`127.0.0.1:${prompt.port}`) === 1, 1000), 'the answering secondary got it');
  t.ok(Date.now() - start < 500, 'without waiting for the silent one');
  t.ok(await until(() => silent.received.length === 4, 2000), 'four attempts to the silent one (20, 40, 80 ms apart)');
  await new Promise((r) => setTimeout(r, 400));
  t.equal(silent.received.length, 4, 'then it gives up until the next change');
  t.equal(findTsig(silent.received[0]!), null, 'no key: unsigned');
});

t.test('a reply from a stranger or with another ID is ignored', async (t) => {
  const silent = await fakeSecondary(false);
  t.teardown(() => silent.close());
  const notifier = createNotifier({ secondaries: [{ host: '127.0.0.1', port: silent.port, key }], soa: () => soaAt(9), logger: silentLogger, firstTimeoutMs: 5000 });
  t.teardown(() => notifier.close());
  notifier.changed();
  t.ok(await until(() => silent.received.length === 1));
  const request = silent.received[0]!;
  const tsig = findTsig(request);
  t.ok(tsig && typeof tsig !== 'string' && verifyRequest(request, tsig, [key], Math.floor(Date.now() / 1000)).ok, 'our NOTIFY verifies with the key');
  const forged = Buffer.from(request.subarray(0, 12));
  forged[2] = 0x80 | (OPCODE_NOTIFY << 3);
  forged.fill(0, 4, 12);
  const stranger = await fakeSecondary(false);
  t.teardown(() => stranger.close());
  // The right ID from another port, then from the secondary itself but unsigned, then garbage.
  await stranger.send(forged, silent.from!.port);
  await silent.send(forged, silent.from!.port);
  await silent.send(Buffer.from('not dns at all'), silent.from!.port);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(notifier.acknowledged().get(`127.0.0.1:${silent.port}`), 0, 'nothing counted as answered');
});
