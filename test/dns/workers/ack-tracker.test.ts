// The rule behind "visible before the 200" with several DNS processes: settled() waits for every
// answering worker to acknowledge every change sent before the call, and for nothing else.
import t from 'tap';
import { createAckTracker } from '../../../src/dns/workers/ack-tracker.js';

const state = async (p: Promise<void>): Promise<'settled' | 'waiting'> => Promise.race([p.then(() => 'settled' as const), new Promise<'waiting'>((r) => setImmediate(() => r('waiting')))]);

t.test('waits for every tracked worker, up to the changes sent before the call', async (t) => {
  const tracker = createAckTracker();
  tracker.track(1);
  tracker.track(2);
  t.equal(await state(tracker.settled()), 'settled', 'nothing sent: nothing to wait for');
  tracker.sent(1);
  const first = tracker.settled();
  tracker.sent(2);
  const second = tracker.settled();
  tracker.acked(1, 2);
  t.equal(await state(first), 'waiting', 'worker 2 has not acknowledged');
  tracker.acked(2, 1);
  t.equal(await state(first), 'settled', 'change 1 is everywhere');
  t.equal(await state(second), 'waiting', 'change 2 is not');
  tracker.acked(2, 2);
  t.equal(await state(second), 'settled');
});

t.test('a worker tracked late owes nothing sent before; one that goes releases the wait', async (t) => {
  const tracker = createAckTracker();
  tracker.track(1);
  tracker.sent(1);
  tracker.track(2); // change 1 is ahead of its "serve" in its pipe
  const wait = tracker.settled();
  tracker.acked(1, 1);
  t.equal(await state(wait), 'settled');
  tracker.sent(2);
  const next = tracker.settled();
  tracker.acked(1, 2);
  t.equal(await state(next), 'waiting');
  tracker.untrack(2);
  t.equal(await state(next), 'settled', 'a dead worker answers nothing: no longer waited for');
  tracker.acked(2, 5); // late message from a gone worker: ignored
  tracker.untrack(1);
  t.equal(await state(tracker.settled()), 'settled', 'no workers: nothing to wait for');
});

t.test('a worker owing an acknowledgement too long is overdue', async (t) => {
  let now = 0;
  const tracker = createAckTracker(() => now);
  tracker.track(1);
  tracker.track(2);
  tracker.sent(1);
  now = 1000;
  tracker.acked(1, 1);
  t.same(tracker.overdue(500), [2]);
  t.same(tracker.overdue(1500), []);
  tracker.acked(2, 1);
  t.same(tracker.overdue(0), [], 'nothing owed');
  tracker.sent(2);
  tracker.sent(3);
  now = 2000;
  tracker.acked(1, 2); // still owes 3: its clock restarts now
  t.same(tracker.overdue(500), [2]);
  now = 2600;
  t.same(tracker.overdue(500).sort(), [1, 2]);
});
