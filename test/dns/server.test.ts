// The running server over real sockets on 127.0.0.1, queried with dig and kdig, plus the
// RFC 7766 TCP behaviour and the dns2 regressions that only show on a live socket.
import t, { type Test } from 'tap';
import { Store } from '../../src/store/store.js';
import { addSlot, buildQuery, header, testStore } from './helpers.js';
import { closed, frame, readFrames, run, type Running, startOn, tcpConnect, toolMissing, udpBlast, udpExchange } from './socket-helpers.js';

const Z = 'auth.example.org';
const SLOT = 'd420c923-bbd7-4056-ab64-c3ca54c9b3cf';
const VALUE = 'LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo';
const noDig = toolMissing('dig');
const noKdig = toolMissing('kdig');

/** A server on a fresh store whose `slots` each hold VALUE; both closed when `t` ends. */
async function serveSlots(t: Test, ...slots: string[]): Promise<{ store: Store; running: Running }> {
  const store = testStore();
  for (const slot of slots) addSlot(store, slot, [VALUE]);
  const running = await startOn(store);
  t.teardown(() => running.close().then(() => store.close()));
  return { store, running };
}

t.test('binds the asked address, one shared port for UDP and TCP', async (t) => {
  const { running } = await serveSlots(t);
  const { udp, tcp } = running.server.addresses();
  // dns2 regression: with port 0 its TCP server listened on every interface.
  t.same(udp, [{ host: '127.0.0.1', port: running.port }]);
  t.same(tcp, [{ host: '127.0.0.1', port: running.port }]);
  t.not(running.port, 0);
});

t.test('several listen addresses, IPv4 and IPv6', async (t) => {
  const store = testStore();
  const running = await startOn(store, { 'dns.listen': ['127.0.0.1:0', '[::1]:0'] }).catch((err: Error) => err);
  if (running instanceof Error) {
    t.skip(`IPv6 loopback unavailable here: ${running.message}`, () => {});
    return;
  }
  t.teardown(() => running.close().then(() => store.close()));
  const { udp, tcp } = running.server.addresses();
  t.same(udp.map((a) => a.host), ['127.0.0.1', '::1']);
  t.same(tcp.map((a) => a.host), ['127.0.0.1', '::1']);
  if (!noDig) {
    const v6port = String(udp[1]?.port);
    t.match(await run('dig', ['@::1', '-p', v6port, '+norec', '+tries=2', '+time=3', Z, 'SOA']), /status: NOERROR/);
    t.match(await run('dig', ['@::1', '-p', v6port, '+tcp', '+norec', '+tries=2', '+time=3', Z, 'SOA']), /status: NOERROR/);
  }
});

t.test('startup fails cleanly when the port is taken', async (t) => {
  const store = testStore();
  const first = await startOn(store);
  t.teardown(() => first.close().then(() => store.close()));
  await t.rejects(startOn(store, { 'dns.listen': [`127.0.0.1:${first.port}`] }), { code: 'dns_listen_failed' });
});

t.test('with dig', { skip: noDig }, async (t) => {
  const store = Store.open({ path: ':memory:', valuesPerSlot: 10, maxAgeSeconds: 604800 });
  addSlot(store, SLOT);
  addSlot(store, 'big', Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(43, 'x')));
  const running = await startOn(store, { 'dns.records': ['www CNAME big', '@ CAA 0 issue "letsencrypt.org"'] });
  t.teardown(() => running.close().then(() => store.close()));
  const dig = (...args: string[]): Promise<string> => run('dig', ['@127.0.0.1', '-p', String(running.port), '+norec', '+tries=2', '+time=3', ...args]);
  const mixed = `${SLOT.toUpperCase()}.AuTh.ExAmPlE.oRg`;

  t.test('a value added to the store is served at once, UDP and TCP, case echoed', async (t) => {
    t.match(await dig(mixed, 'TXT'), /status: NOERROR.*\n.*flags: qr aa;.*ANSWER: 0/, 'no value yet: NODATA');
    store.addTxtValue(SLOT, VALUE);
    for (const transport of ['+notcp', '+tcp']) {
      const out = await dig(transport, mixed, 'TXT');
      t.match(out, /status: NOERROR/, transport);
      t.match(out, /flags: qr aa;/, `${transport}: authoritative, no RA`);
      t.match(out, new RegExp(`^;${mixed}\\.\\s+IN\\s+TXT`, 'm'), `${transport}: question case echoed`);
      t.match(out, new RegExp(`^${mixed}\\.\\s+1\\s+IN\\s+TXT\\s+"${VALUE}"`, 'm'), `${transport}: answer owner case echoed`);
    }
  });

  t.test('TC over UDP, then dig retries over TCP and gets everything', async (t) => {
    const truncated = await dig('+noedns', '+ignore', `big.${Z}`, 'TXT');
    t.match(truncated, /flags: qr aa tc;/);
    const retried = await dig('+noedns', `big.${Z}`, 'TXT');
    t.match(retried, /Truncated, retrying in TCP mode/);
    t.match(retried, /ANSWER: 10,/);
    t.match(await dig('+bufsize=1232', `big.${Z}`, 'TXT'), /flags: qr aa;.*ANSWER: 10,/, 'fits with EDNS 1232');
  });

  t.test('EDNS: our OPT with 1232; BADVERS for version 1; none without EDNS', async (t) => {
    t.match(await dig(`${Z}`, 'SOA'), /EDNS: version: 0, flags:; udp: 1232/);
    t.match(await dig('+dnssec', `${Z}`, 'SOA'), /EDNS: version: 0, flags: do; udp: 1232/, 'DO copied');
    t.match(await dig('+edns=1', '+noednsneg', `${Z}`, 'SOA'), /status: BADVERS/);
    t.notMatch(await dig('+noedns', `${Z}`, 'SOA'), /OPT PSEUDOSECTION/);
  });

  t.test('REFUSED outside the zone, NXDOMAIN and NODATA inside with the SOA', async (t) => {
    const refused = await dig('example.com', 'A');
    t.match(refused, /status: REFUSED/);
    t.notMatch(refused, /flags: qr aa/);
    const nx = await dig(`x.${SLOT}.${Z}`, 'TXT');
    t.match(nx, /status: NXDOMAIN/);
    t.match(nx, new RegExp(`AUTHORITY SECTION:\\n${Z.replace(/\./g, '\\.')}\\.\\s+60\\s+IN\\s+SOA\\s+ns\\.${Z}`));
    t.match(await dig(Z, 'AAAA'), /status: NOERROR.*\n.*ANSWER: 0, AUTHORITY: 1/);
  });

  t.test('CNAME followed, CAA served, ANY minimal', async (t) => {
    t.match(await dig(`WWW.${Z}`, 'TXT'), /ANSWER: 11,/);
    t.match(await dig(Z, 'CAA'), /CAA\s+0 issue "letsencrypt.org"/);
    t.match(await dig(Z, 'ANY'), /ANSWER: 1,/);
  });
});

t.test('with kdig', { skip: noKdig }, async (t) => {
  const { running } = await serveSlots(t, SLOT);
  const kdig = (...args: string[]): Promise<string> => run('kdig', ['@127.0.0.1', '-p', String(running.port), '+retry=0', '+time=3', ...args]);
  for (const transport of ['+notcp', '+tcp']) {
    const out = await kdig(transport, `${SLOT}.${Z}`, 'TXT');
    t.match(out, /status: NOERROR/, transport);
    t.match(out, new RegExp(`"${VALUE}"`), transport);
  }
  t.match(await kdig('+edns=1', Z, 'SOA'), /status: BADVERS/);
  t.match(await kdig('example.net', 'A'), /status: REFUSED/);
});

t.test('TCP per RFC 7766', async (t) => {
  const { store, running } = await serveSlots(t, 'one');

  t.test('pipelined queries in one write are answered in order', async (t) => {
    const socket = await tcpConnect(running.port);
    t.teardown(() => socket.destroy());
    const ids = [11, 12, 13];
    socket.write(Buffer.concat(ids.map((id) => frame(buildQuery(id === 12 ? `nope.${Z}` : `one.${Z}`, { id })))));
    const replies = await readFrames(socket, 3);
    t.same(replies.map((r) => header(r).id), ids);
    t.same(replies.map((r) => header(r).rcode), [0, 3, 0]);
  });

  t.test('2,000 pipelined queries in one write: all answered, in order', async (t) => {
    const ids = Array.from({ length: 2000 }, (_, i) => i + 1000);
    const payload = Buffer.concat(ids.map((id) => frame(buildQuery(`one.${Z}`, { id }))));
    const socket = await tcpConnect(running.port);
    t.teardown(() => socket.destroy());
    const replies = readFrames(socket, ids.length);
    socket.write(payload);
    t.same((await replies).map((r) => header(r).id), ids);
  });

  t.test('a query split across writes is reassembled', async (t) => {
    const socket = await tcpConnect(running.port);
    t.teardown(() => socket.destroy());
    const bytes = frame(buildQuery(`one.${Z}`, { id: 21 }));
    const reply = readFrames(socket, 1);
    for (const b of bytes) {
      socket.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    t.equal(header((await reply)[0] as Buffer).id, 21);
  });

  t.test('an idle connection is closed by the server', async (t) => {
    // Its own server: a short idle timeout would also close the busy connections of other tests.
    const quick = await startOn(store, { 'dns.tcp_idle_timeout_ms': '150' });
    t.teardown(() => quick.close());
    const socket = await tcpConnect(quick.port);
    await closed(socket);
    t.pass('closed after being idle');
  });

  t.test('a frame too short for a header closes the connection', async (t) => {
    const socket = await tcpConnect(running.port);
    socket.write(Buffer.from([0, 3, 1, 2, 3]));
    await closed(socket);
    t.pass('closed');
  });

  t.test('connections beyond the cap are refused; others keep working', async (t) => {
    // Its own server, so connections of the other tests never count against the cap.
    const capped = await startOn(store, { 'dns.tcp_max_connections': '2' });
    t.teardown(() => capped.close());
    const a = await tcpConnect(capped.port);
    const b = await tcpConnect(capped.port);
    t.teardown(() => (a.destroy(), b.destroy()));
    // Make sure both are accepted before the third knocks.
    const replies = Promise.all([readFrames(a, 1), readFrames(b, 1)]);
    a.write(frame(buildQuery(`one.${Z}`, { id: 31 })));
    b.write(frame(buildQuery(`one.${Z}`, { id: 32 })));
    await replies;
    const c = await tcpConnect(capped.port).catch(() => null);
    if (c) await closed(c);
    t.pass('third connection closed by the server');
    a.destroy();
    await closed(a);
    // The server notices the close a moment later; a DNS client would simply try again.
    for (let attempt = 1; ; attempt++) {
      const d = await tcpConnect(capped.port);
      d.write(frame(buildQuery(`one.${Z}`, { id: 33 })));
      const answered = await Promise.race([readFrames(d, 1).then(
        () => true,
        () => false,
      ), closed(d).then(() => false)]);
      d.destroy();
      if (answered) break;
      if (attempt === 20) throw new Error('no connection accepted after one closed');
      await new Promise((r) => setTimeout(r, 50));
    }
    t.pass('a new connection works once one closed');
  });
});

t.test('dns2 regressions on a live socket', async (t) => {
  const { running } = await serveSlots(t, 'one');

  t.test('the 12-byte count bomb is answered FORMERR and the server keeps answering', async (t) => {
    const bomb = Buffer.from([0x0b, 0x0b, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    t.match(header(await udpExchange(running.port, bomb)), { id: 0x0b0b, rcode: 1 });
    t.match(header(await udpExchange(running.port, buildQuery(`one.${Z}`, { id: 99 }))), { id: 99, rcode: 0, counts: [1, 1, 0, 0] });
  });

  t.test('queries never answered do not leak into SERVFAIL for later ones (no maxConcurrent)', async (t) => {
    const unanswered = Array.from({ length: 500 }, (_, i) => {
      const response = buildQuery(`one.${Z}`, { id: i });
      response[2] = 0x80; // a response: dropped, never answered
      return i % 2 ? response : Buffer.alloc(i % 11);
    });
    await udpBlast(running.port, unanswered);
    t.match(header(await udpExchange(running.port, buildQuery(`one.${Z}`, { id: 7 }))), { id: 7, rcode: 0 });
  });
});
