// Password guessing against POST /update while the real client of that account keeps updating.
//   bruteforce.ts PORT MODE SECONDS
// MODE none:   no attacker (the real client's figures on this machine right now)
//      one:    64 connections from 127.0.0.10, all guessing the real client's username
//      fifty:  50 addresses 127.0.0.10-59, 2 connections each, guessing the same username
//      spray:  50 addresses, 2 connections each, each guess for a random username (the
//              per-username limit never applies; the per-address limit and the bcrypt queue do)
// The real client (127.0.0.1) updates every 200 ms, as after a first success before the attack.
import { randomUUID } from 'node:crypto';
import { closeAgents, countBy, percentile, post, sleep } from './http-client.js';

const [portText, mode = 'one', secondsText = '20'] = process.argv.slice(2);
const port = Number(portText);
const seconds = Number(secondsText);
const txt = (i: number): string => Buffer.from(`value-${i}`.padEnd(32, '.')).toString('base64url').slice(0, 43);

const registered = await post(port, '/register', '127.0.0.1');
const account = JSON.parse(registered.body) as { username: string; password: string; subdomain: string };
const updateAs = (from: string, username: string, key: string, i: number) =>
  post(port, '/update', from, { 'X-Api-User': username, 'X-Api-Key': key }, JSON.stringify({ subdomain: account.subdomain, txt: txt(i) }));
const first = await updateAs('127.0.0.1', account.username, account.password, 0);
if (first.status !== 200) throw new Error(`first update: ${first.status} ${first.body}`);

const addresses = mode === 'none' ? [] : mode === 'one' ? ['127.0.0.10'] : Array.from({ length: 50 }, (_, i) => `127.0.0.${10 + i}`);
const perAddress = mode === 'one' ? 64 : 2;
const deadline = performance.now() + seconds * 1000;
const attackStatuses: number[] = [];
const evaluatedBy = new Map<string, number>();

const attacker = async (from: string): Promise<void> => {
  const wrong = 'x'.repeat(40);
  for (let i = 0; performance.now() < deadline && i < 1_000_000; i++) {
    const username = mode === 'spray' ? randomUUID() : account.username;
    const result = await updateAs(from, username, wrong, i);
    attackStatuses.push(result.status);
    if (result.status === 401) evaluatedBy.set(from, (evaluatedBy.get(from) ?? 0) + 1);
  }
};

const legit: { status: number; ms: number }[] = [];
const realClient = async (): Promise<void> => {
  for (let i = 1; performance.now() < deadline; i++) {
    const result = await updateAs('127.0.0.1', account.username, account.password, i);
    legit.push({ status: result.status, ms: result.ms });
    await sleep(200);
  }
};

const started = performance.now();
await Promise.all([realClient(), ...addresses.flatMap((a) => Array.from({ length: perAddress }, () => attacker(a)))]);
const elapsedMin = (performance.now() - started) / 60_000;
closeAgents();

const ok = legit.filter((r) => r.status === 200);
const evaluated = [...evaluatedBy.values()].reduce((a, b) => a + b, 0);
const fmt = (n: number): string => (Number.isNaN(n) ? '-' : n.toFixed(0));
console.log(`  real client (127.0.0.1): ${ok.length}/${legit.length} updates ok; p50 ${fmt(percentile(ok.map((r) => r.ms), 50))} ms, max ${fmt(Math.max(...legit.map((r) => r.ms)))} ms; statuses ${countBy(legit.map((r) => r.status))}`);
if (addresses.length > 0) console.log(`  attackers (${addresses.length} address${addresses.length > 1 ? 'es' : ''} x ${perAddress} connections): ${attackStatuses.length} guesses sent (${countBy(attackStatuses)})`);
if (addresses.length > 0) console.log(`  guesses evaluated by bcrypt (401): ${evaluated} in ${(elapsedMin * 60).toFixed(0)} s = ${(evaluated / elapsedMin / addresses.length).toFixed(1)} per minute per attacking address (the first minute includes the burst)`);
