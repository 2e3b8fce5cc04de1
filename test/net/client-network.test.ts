// Rate limits group clients by network: the key must be the same for every address inside a
// prefix and differ outside it.
import t from 'tap';
import { clientNetwork, ipv4ToInt } from '../../src/net/address.js';

t.test('IPv4 by prefix, IPv4-mapped IPv6 as IPv4', async (t) => {
  t.equal(clientNetwork('192.0.2.1', 24, 56), clientNetwork('192.0.2.254', 24, 56));
  t.not(clientNetwork('192.0.2.1', 24, 56), clientNetwork('192.0.3.1', 24, 56));
  t.equal(clientNetwork('::ffff:192.0.2.9', 24, 56), clientNetwork('192.0.2.1', 24, 56));
  t.not(clientNetwork('192.0.2.1', 32, 64), clientNetwork('192.0.2.2', 32, 64));
  t.equal(clientNetwork('10.1.2.3', 8, 56), clientNetwork('10.200.0.0', 8, 56));
});

t.test('IPv6 by prefix', async (t) => {
  t.equal(clientNetwork('2001:db8:aa:bb00::1', 24, 56), clientNetwork('2001:db8:aa:bbff:1::2', 24, 56));
  t.not(clientNetwork('2001:db8:aa:bb00::1', 24, 56), clientNetwork('2001:db8:aa:bc00::1', 24, 56));
  t.equal(clientNetwork('2001:db8::1', 24, 64), clientNetwork('2001:db8::ffff:1', 24, 64));
  t.equal(clientNetwork('2001:db8:0:0:8000::1', 24, 65) === clientNetwork('2001:db8::1', 24, 65), false, 'odd prefix lengths mask inside a byte');
});

t.test('not an address', async (t) => {
  t.equal(clientNetwork('not-an-ip', 24, 56), undefined);
  t.equal(clientNetwork('1.2.3.256', 24, 56), undefined);
});

t.test('dotted-quad parsing (RRL parses every datagram\'s source with it): strict', async (t) => {
  t.equal(ipv4ToInt('0.0.0.0'), 0);
  t.equal(ipv4ToInt('192.0.2.1'), 0xc0000201);
  t.equal(ipv4ToInt('255.255.255.255'), 0xffffffff);
  t.equal(ipv4ToInt('010.1.2.3'), 0x0a010203, 'up to three digits, decimal');
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '1.2.3.256', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.0004', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.a', '::1', '::ffff:1.2.3.4', '1.2.3.-4']) {
    t.equal(ipv4ToInt(bad), undefined, JSON.stringify(bad));
  }
});
