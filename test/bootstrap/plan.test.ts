// The plan is a pure diff: these cases need no network.
import t from 'tap';
import { computePlan, planCounts, planHasChanges, type ExistingByName } from '../../src/bootstrap/plan.js';
import { renderPlanTable } from '../../src/bootstrap/plan-table.js';
import type { ExistingRecord, Intent, Zone } from '../../src/bootstrap/records.js';

const com: Zone = { id: 'z-com', name: 'example.com' };
const org: Zone = { id: 'z-org', name: 'example.org' };
const cname: Intent = { kind: 'cname', zone: com, name: '_acme-challenge.example.com', target: 'slot-1.auth.example.org', ttl: 60, purpose: 'challenge' };
const delegation: Intent = { kind: 'delegation', zone: org, name: 'auth.example.org', nameservers: ['ns.auth.example.org'], ttl: 3600, purpose: 'delegation' };
const glue: Intent = { kind: 'address', zone: org, name: 'ns.auth.example.org', addresses: ['203.0.113.5', '2001:DB8:0:0::5'], ttl: 3600, purpose: 'glue' };

let nextId = 0;
function rec(zone: Zone, name: string, type: string, content: string, extra: Partial<ExistingRecord> = {}): ExistingRecord {
  return { id: `r${nextId++}`, zoneId: zone.id, name, type, content, ttl: type === 'CNAME' ? 60 : 3600, ...(['A', 'AAAA', 'CNAME'].includes(type) ? { proxied: false } : {}), ...extra };
}
function existing(...records: ExistingRecord[]): ExistingByName {
  const map = new Map<string, ExistingRecord[]>();
  for (const r of records) map.set(r.name, [...(map.get(r.name) ?? []), r]);
  return map;
}
const noReplace = { replace: false };
const replace = { replace: true };

t.test('an empty zone plans creates in a safe order: addresses, NS, CNAME', async (t) => {
  const steps = computePlan([cname, delegation, glue], existing(), noReplace);
  t.same(
    steps.map((s) => [s.action, s.record.type, s.record.name, s.record.content]),
    [
      ['create', 'A', 'ns.auth.example.org', '203.0.113.5'],
      ['create', 'AAAA', 'ns.auth.example.org', '2001:db8::5'],
      ['create', 'NS', 'auth.example.org', 'ns.auth.example.org'],
      ['create', 'CNAME', '_acme-challenge.example.com', 'slot-1.auth.example.org'],
    ],
  );
  t.equal(steps[3]?.record.proxied, false, 'the CNAME is never proxied');
  t.equal(steps[3]?.record.ttl, 60);
  t.ok(planHasChanges(steps));
});

t.test('what is already right is kept, and a kept plan has no changes', async (t) => {
  const steps = computePlan(
    [cname, delegation, glue],
    existing(
      rec(com, '_acme-challenge.example.com', 'CNAME', 'slot-1.auth.example.org'),
      rec(org, 'auth.example.org', 'NS', 'ns.auth.example.org'),
      rec(org, 'ns.auth.example.org', 'A', '203.0.113.5'),
      rec(org, 'ns.auth.example.org', 'AAAA', '2001:db8::5'),
      rec(org, 'ns.auth.example.org', 'TXT', '"unrelated"'),
    ),
    noReplace,
  );
  t.same(steps.map((s) => s.action), ['keep', 'keep', 'keep', 'keep']);
  t.notOk(planHasChanges(steps));
});

t.test('our CNAME proxied or with another TTL is updated in place', async (t) => {
  const have = rec(com, '_acme-challenge.example.com', 'CNAME', 'slot-1.auth.example.org', { proxied: true, ttl: 1 });
  const [step] = computePlan([cname], existing(have), noReplace);
  t.equal(step?.action, 'update');
  t.equal(step?.existing?.id, have.id);
  t.match(step?.note, /ttl 1 -> 60.*proxied true -> false/);
});

t.test('a TXT at the challenge name is a conflict, and blocks the CNAME', async (t) => {
  const txt = rec(com, '_acme-challenge.example.com', 'TXT', '"old-hook-value"');
  const steps = computePlan([cname], existing(txt), noReplace);
  t.same(steps.map((s) => s.action), ['conflict']);
  t.match(steps[0]?.note, /TXT/);
  t.equal(steps[0]?.record.content, '"old-hook-value"', 'the conflict shows the record as it is');
});

t.test('with --replace the TXT is deleted before the CNAME is created', async (t) => {
  const txt = rec(com, '_acme-challenge.example.com', 'TXT', '"a"');
  const txt2 = rec(com, '_acme-challenge.example.com', 'TXT', '"b"');
  const steps = computePlan([cname], existing(txt, txt2), replace);
  t.same(steps.map((s) => [s.action, s.record.type]), [['delete', 'TXT'], ['delete', 'TXT'], ['create', 'CNAME']]);
});

t.test('a CNAME pointing elsewhere is a conflict; --replace rewrites it in place', async (t) => {
  const foreign = rec(com, '_acme-challenge.example.com', 'CNAME', 'x.auth.acme-dns.io');
  const kept = computePlan([cname], existing(foreign), noReplace);
  t.same(kept.map((s) => s.action), ['conflict']);
  const replaced = computePlan([cname], existing(foreign), replace);
  t.same(replaced.map((s) => [s.action, s.existing?.id, s.record.content]), [['update', foreign.id, 'slot-1.auth.example.org']]);
});

t.test('records in another zone with the same name are not ours to judge', async (t) => {
  const elsewhere = rec({ id: 'z-other', name: 'example.com' }, '_acme-challenge.example.com', 'TXT', '"x"');
  t.same(computePlan([cname], existing(elsewhere), noReplace).map((s) => s.action), ['create']);
});

t.test('delegation: a foreign NS or an A at the label conflicts; --replace deletes them first', async (t) => {
  const otherNs = rec(org, 'auth.example.org', 'NS', 'ns1.elsewhere.net');
  const a = rec(org, 'auth.example.org', 'A', '192.0.2.1');
  const kept = computePlan([delegation], existing(otherNs, a), noReplace);
  t.same(kept.map((s) => s.action), ['conflict', 'conflict'], 'no NS is added while the label is taken');
  const replaced = computePlan([delegation], existing(otherNs, a), replace);
  t.same(replaced.map((s) => [s.action, s.record.type]), [['delete', 'NS'], ['delete', 'A'], ['create', 'NS']]);
});

t.test('glue: another address or a CNAME at the name server name conflicts; other types are fine', async (t) => {
  const old = rec(org, 'ns.auth.example.org', 'A', '198.51.100.9');
  const steps = computePlan([glue], existing(old, rec(org, 'ns.auth.example.org', 'AAAA', '2001:db8::5')), noReplace);
  t.same(steps.map((s) => [s.action, s.record.type]), [['keep', 'AAAA'], ['conflict', 'A']]);
  const replaced = computePlan([glue], existing(old), replace);
  t.same(replaced.map((s) => [s.action, s.record.type]), [['delete', 'A'], ['create', 'A'], ['create', 'AAAA']]);
});

t.test('CAA: created, kept when equal up to spacing, conflicting for the same CA with other parameters', async (t) => {
  const caa: Intent = { kind: 'caa', zone: com, name: 'example.com', tag: 'issue', value: 'letsencrypt.org; accounturi=https://acme.example/acct/1', ttl: 3600, purpose: 'caa' };
  t.same(computePlan([caa], existing(), noReplace).map((s) => [s.action, s.record.content]), [['create', '0 issue "letsencrypt.org; accounturi=https://acme.example/acct/1"']]);
  const same = rec(com, 'example.com', 'CAA', 'x', { caa: { flags: 0, tag: 'issue', value: 'LetsEncrypt.org;accounturi = https://acme.example/acct/1' } });
  t.same(computePlan([caa], existing(same), noReplace).map((s) => s.action), ['keep']);
  const other = rec(com, 'example.com', 'CAA', 'x', { caa: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } });
  t.same(computePlan([caa], existing(other), noReplace).map((s) => s.action), ['conflict']);
  t.same(computePlan([caa], existing(other), replace).map((s) => s.action), ['update']);
  const otherCa = rec(com, 'example.com', 'CAA', 'x', { caa: { flags: 0, tag: 'issue', value: 'pki.goog' } });
  t.same(computePlan([caa], existing(otherCa), noReplace).map((s) => s.action), ['create'], "another CA's record is left as it is");
  const site = rec(com, 'example.com', 'CNAME', 'site.host.net');
  t.same(computePlan([caa], existing(site), replace).map((s) => s.action), ['conflict'], 'a website CNAME is never replaced for a CAA');
});

t.test('planCounts counts every action', async (t) => {
  const steps = computePlan([cname, glue], existing(rec(org, 'ns.auth.example.org', 'A', '203.0.113.5')), noReplace);
  t.same(planCounts(steps), { create: 2, update: 0, keep: 1, conflict: 0, delete: 0 });
});

t.test('the plan table never passes control characters from Cloudflare to the terminal', async (t) => {
  // A TXT is anyone's text: with escapes (cursor up, erase line) it could paint over the
  // "delete" row of the plan the operator is about to confirm, or fake a row with a newline.
  const zone: Zone = { id: 'z1', name: 'example.com' };
  const hostile: ExistingRecord = { id: 'r1', zoneId: 'z1', name: '_acme-challenge.www.example.com', type: 'TXT', content: '"x"\u001b[1A\u001b[2Kkeep  all fine\nkeep\u202e', ttl: 120 };
  const intent: Intent = { kind: 'cname', zone, name: '_acme-challenge.www.example.com', target: 's.auth.example.org', ttl: 60, purpose: 'challenge for www.example.com' };
  const text = renderPlanTable(computePlan([intent], new Map([['_acme-challenge.www.example.com', [hostile]]]), { replace: true }));
  // eslint-disable-next-line no-control-regex
  t.notMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, 'no control character but the row separators');
  t.equal(text.split('\n').length, 3, 'header, delete, create: no faked row');
  t.match(text, /delete\s+example\.com\s+TXT\s+_acme-challenge\.www\.example\.com\s+"x"\\u001b\[1A\\u001b\[2Kkeep {2}all fine\\u000akeep\\u202e/);
});
