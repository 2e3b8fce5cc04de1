// AXFR of a 100,000-slot zone: complete and correct (every record, every value, kdig verifying
// each message's TSIG), while queries sent during the transfer are all answered.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log.js';
import { startService } from '../../../src/service.js';
import { buildQuery, decode } from '../helpers.js';
import { toolMissing, udpExchange } from '../socket-helpers.js';
import { seedSlots } from './seed-slots.js';
import { freePort } from './secondary-servers.js';

const ZONE = 'auth.example.org';
const SLOTS = 100_000;

t.test('AXFR of 100,000 slots is whole and queries keep being answered meanwhile', { skip: toolMissing('kdig'), timeout: 240000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-big-axfr-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const secret = randomBytes(32).toString('base64');
  const port = await freePort();
  seedSlots(join(dir, 'db.sqlite'), SLOTS);
  const config = loadConfig({
    overrides: {
      'dns.zone': ZONE,
      'dns.listen': [`127.0.0.1:${port}`],
      'dns.secondaries': ['127.0.0.1:53999'],
      'dns.tsig_keys': [`hmac-sha512:big-key:${secret}`],
      'api.listen': '127.0.0.1:0',
      'store.path': join(dir, 'db.sqlite'),
    },
  });
  const service = await startService(config, silentLogger);
  t.teardown(() => service.close());

  const transfer = new Promise<string>((resolve, reject) => {
    execFile('kdig', ['@127.0.0.1', '-p', String(port), 'AXFR', ZONE, '-y', `hmac-sha512:big-key:${secret}`], { maxBuffer: 256 * 1024 * 1024, timeout: 200000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message} ${stderr}`)) : resolve(stdout + stderr),
    );
  });
  let done = false;
  let answered = 0;
  let asked = 0;
  let slowest = 0;
  void transfer.finally(() => (done = true));
  while (!done) {
    const i = Math.floor(Math.random() * SLOTS);
    const started = performance.now();
    asked++;
    const reply = decode(await udpExchange(port, buildQuery(`seed-${String(i).padStart(5, '0')}.${ZONE}`, { id: asked & 0xffff })));
    slowest = Math.max(slowest, performance.now() - started);
    if (reply.answers.some((a) => String((a as { data?: unknown }).data).startsWith(`b-${i}`))) answered++;
    await new Promise((r) => setTimeout(r, 5));
  }
  const out = await transfer;
  t.notMatch(out, /;; ERROR|failed|BADSIG|BADKEY/, 'kdig verified every message');
  const records = out.split('\n').filter((l) => l !== '' && !l.startsWith(';') && !/\tTSIG\t/.test(l));
  t.equal(records.length, 2 * SLOTS + 4, 'SOA, NS, glue, every TXT, SOA');
  const values = new Set(records.filter((l) => /\tTXT\t/.test(l)).map((l) => l.replace(/^(\S+)\.\s.*"([^"]+)"$/, '$1 $2')));
  let missing = 0;
  for (let i = 0; i < SLOTS; i++) {
    const name = `seed-${String(i).padStart(5, '0')}.${ZONE}`;
    if (!values.has(`${name} ${`a-${i}`.padEnd(43, 'a')}`) || !values.has(`${name} ${`b-${i}`.padEnd(43, 'b')}`)) missing++;
  }
  t.equal(missing, 0, 'every value of every slot');
  t.equal(answered, asked, `all ${asked} queries sent during the transfer answered correctly`);
  t.comment(`messages: ${/(\d+) messages/.exec(out)?.[1]}, received: ${/Received (\d+) B/.exec(out)?.[1]} B; slowest query during the transfer: ${slowest.toFixed(0)} ms`);
});
