// Registration flood from one address: as many POST /register as 8 connections can send.
//   register-flood.ts PORT SECONDS
import { closeAgents, countBy, post } from './http-client.js';

const [portText, secondsText = '20'] = process.argv.slice(2);
const port = Number(portText);
const seconds = Number(secondsText);
const deadline = performance.now() + seconds * 1000;
const statuses: number[] = [];
const flood = async (): Promise<void> => {
  for (let i = 0; performance.now() < deadline && i < 1_000_000; i++) statuses.push((await post(port, '/register', '127.0.0.10')).status);
};
const started = performance.now();
await Promise.all(Array.from({ length: 8 }, flood));
const minutes = (performance.now() - started) / 60_000;
closeAgents();
const created = statuses.filter((s) => s === 201).length;
console.log(`  ${statuses.length} registrations sent from 127.0.0.10 (${countBy(statuses)})`);
console.log(`  accounts created: ${created} in ${(minutes * 60).toFixed(0)} s, then none until the window ends: at most ${created} an hour = ${(created / 60).toFixed(2)} per minute sustained`);
const other = await post(port, '/register', '127.0.0.11');
console.log(`  another address meanwhile: ${other.status}`);
closeAgents();
