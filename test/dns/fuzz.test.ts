// Bounded fuzz over a real UDP socket: 30,000 random and mutated packets at the running server,
// then a normal query must still get the right answer.
import t from 'tap';
import { fuzzPackets } from './fuzz-packets.js';
import { addSlot, buildQuery, header, testStore } from './helpers.js';
import { run, startOn, toolMissing, udpBlast, udpExchange } from './socket-helpers.js';

const Z = 'auth.example.org';
const VALUE = 'LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo';

t.test('the server survives 30,000 hostile packets and answers right after', async (t) => {
  const store = testStore();
  addSlot(store, 'slot', [VALUE]);
  const running = await startOn(store);
  t.teardown(() => running.close().then(() => store.close()));

  const replies = await udpBlast(running.port, fuzzPackets(30000, 0x5eed));
  // Most fuzz packets are dropped or FORMERR; enough replies prove they reached the handler.
  t.ok(replies > 1000, `${replies} replies to 30,000 packets`);

  const reply = await udpExchange(running.port, buildQuery(`SLOT.${Z}`, { id: 4242 }));
  t.match(header(reply), { id: 4242, rcode: 0, aa: true, counts: [1, 1, 0, 0] });
  t.ok(reply.includes(Buffer.from(VALUE)), 'the slot value is in the answer');
  const missing = toolMissing('dig');
  if (!missing) {
    const out = await run('dig', ['@127.0.0.1', '-p', String(running.port), '+norec', '+tries=3', '+time=2', `slot.${Z}`, 'TXT']);
    t.match(out, new RegExp(`status: NOERROR[\\s\\S]*"${VALUE}"`), 'dig agrees');
  }
});
