// The emulator's list endpoints against Cloudflare's documented shapes: per_page bounds of each
// list, and the zone list's own `name` filter syntax (`name=<operator>:<value>`).
import t from 'tap';
import { startCloudflareEmulator } from '../helpers/cloudflare-emulator.js';

interface ListBody {
  success: boolean;
  result: { name: string }[];
  result_info: { page: number; per_page: number; count: number; total_count: number; total_pages: number };
}

const token = 'emulator-test-token-0123456789';

async function list(url: string): Promise<ListBody> {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return (await response.json()) as ListBody;
}

t.test('per_page: zones 5..50 (default 20), DNS records 1..5,000,000 (default 100)', async (t) => {
  const emulator = await startCloudflareEmulator({ tokens: [{ value: token }], zones: ['example.com'] });
  t.teardown(() => emulator.close());
  for (let i = 0; i < 120; i++) emulator.addZone(`zone${i}.example`);
  for (let i = 0; i < 150; i++) emulator.addRecord('example.com', { name: `h${i}.example.com`, type: 'A', content: '192.0.2.1' });
  const zones = (per?: number): Promise<ListBody> => list(`${emulator.baseUrl}/zones${per === undefined ? '' : `?per_page=${per}`}`);
  t.equal((await zones()).result_info.per_page, 20);
  t.equal((await zones(1)).result_info.per_page, 5);
  t.equal((await zones(500)).result_info.per_page, 50);

  const zoneId = emulator.zones().find((z) => z.name === 'example.com')?.id as string;
  const records = (per?: number): Promise<ListBody> => list(`${emulator.baseUrl}/zones/${zoneId}/dns_records${per === undefined ? '' : `?per_page=${per}`}`);
  t.equal((await records()).result_info.per_page, 100);
  // These were clamped to 5 and 5,000: a page size of 1 (allowed by Cloudflare) came back as 5.
  const one = await records(1);
  t.same([one.result_info.per_page, one.result.length, one.result_info.total_pages], [1, 1, 150]);
  const all = await records(10_000);
  t.same([all.result_info.per_page, all.result.length, all.result_info.total_pages], [10_000, 150, 1]);
});

t.test('zone name filter: equality by default, Cloudflare operators as name=<operator>:<value>', async (t) => {
  const emulator = await startCloudflareEmulator({ tokens: [{ value: token }], zones: ['example.com', 'myexample.com', 'example.org', 'Shop.Example.net'] });
  t.teardown(() => emulator.close());
  const names = async (filter: string): Promise<string[]> => (await list(`${emulator.baseUrl}/zones?name=${encodeURIComponent(filter)}`)).result.map((z) => z.name).sort();
  t.same(await names('example.com'), ['example.com'], 'exact: not myexample.com');
  t.same(await names('EXAMPLE.com'), ['example.com'], 'case does not matter');
  t.same(await names('ends_with:example.com'), ['example.com', 'myexample.com']);
  t.same(await names('contains:example.o'), ['example.org']);
  t.same(await names('starts_with:shop.'), ['shop.example.net']);
  t.same(await names('not_equal:example.com'), ['example.org', 'myexample.com', 'shop.example.net']);
  t.same(await names('contains_case_sensitive:Example'), [], 'zone names are stored in lower case');
  // The record list's name.contains form is not a zone filter in Cloudflare's API.
  const dotted = await list(`${emulator.baseUrl}/zones?name.contains=org`);
  t.equal(dotted.result.length, 4, 'name.contains is ignored on /zones');
});
