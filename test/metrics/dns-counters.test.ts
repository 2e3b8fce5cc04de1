// The DNS answer counters stay small whatever the queries: a flood of random query types is
// counted under one key, not one per type.
import t from 'tap';
import { answerKey, countingResponder, createDnsCounters, OTHER_QTYPE, splitAnswerKey } from '../../src/metrics/dns-counters.js';
import { buildQuery } from '../dns/helpers.js';

t.test('random query types do not grow the table', async (t) => {
  const counters = createDnsCounters();
  const responder = countingResponder({ respond: (msg) => Buffer.from(msg) }, counters);
  for (let type = 0; type < 65536; type += 7) responder.respond(buildQuery('x.auth.example.org', { type }), 'udp', '192.0.2.1');
  t.ok(counters.answers.size <= 258, `${counters.answers.size} keys for 9,363 types`);
  t.equal(splitAnswerKey(answerKey('udp', 0, 16)).qtype, 16, 'known types keep their own key');
  t.equal(splitAnswerKey(answerKey('tcp', 3, 65280)).qtype, OTHER_QTYPE, 'a private-use type is "other"');
  t.equal(splitAnswerKey(answerKey('udp', 0, -1)).qtype, -1, 'no question stays "none"');
});
