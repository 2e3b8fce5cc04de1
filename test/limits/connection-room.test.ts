// Which connection gives way past a cap: the least recently active of its scope, never one in the
// middle of a reply; with none, the newcomer is refused.
import t from 'tap';
import { makeRoom, type OpenConnection } from '../../src/limits/connection-room.js';

const connection = (key: string, lastActiveAt: number, replying = false): OpenConnection => ({ key, lastActiveAt, replying });
const caps = { perAddress: 2, total: 4 };

t.test('within both caps: nothing to close', async (t) => {
  t.equal(makeRoom([connection('a', 1)], 'a', caps), undefined);
  t.equal(makeRoom([], 'a', caps), undefined);
});

t.test('the per-address cap: the address\'s least recently active connection, never another address\'s', async (t) => {
  const older = connection('a', 5);
  const open = [connection('b', 1), connection('a', 9), older];
  t.equal(makeRoom(open, 'a', caps), older);
  const replying = [connection('b', 1), connection('a', 1, true), connection('a', 2, true)];
  t.equal(makeRoom(replying, 'a', caps), 'refuse', 'every connection of the address is replying');
});

t.test('the total cap: the least recently active connection of anyone', async (t) => {
  const oldest = connection('c', 2);
  const open = [connection('a', 7), oldest, connection('b', 3, false), connection('d', 1, true)];
  t.equal(makeRoom(open, 'e', caps), oldest, 'one in the middle of a reply is passed over');
  t.equal(makeRoom(open.map((c) => ({ ...c, replying: true })), 'e', caps), 'refuse');
});
