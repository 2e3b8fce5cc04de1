// Deterministic random and mutated DNS packets for the fuzz tests (in-process and over UDP).
import { buildQuery } from './helpers.js';

const Z = 'auth.example.org';

/** Deterministic pseudo-random numbers so a failure can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** `count` packets: random bytes, truncations, flipped bytes, wrong counts, pointer loops, huge labels. */
export function fuzzPackets(count: number, seed: number): Buffer[] {
  const random = rng(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const seeds = [
    buildQuery(`a.${Z}`),
    buildQuery(`slot.${Z}`, { edns: { udpSize: 4096, dnssecOk: true } }),
    buildQuery('example.com', { type: 255 }),
    buildQuery(Z, { type: 6, edns: { version: 3 } }),
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 6;
    const base = Buffer.from(seeds[int(seeds.length)] as Buffer);
    if (kind === 0) {
      out.push(Buffer.from(Array.from({ length: int(80) }, () => int(256))));
    } else if (kind === 1) {
      out.push(base.subarray(0, int(base.length + 1))); // truncated
    } else if (kind === 2) {
      for (let j = 0, n = 1 + int(4); j < n; j++) base[int(base.length)] = int(256); // flipped bytes
      out.push(base);
    } else if (kind === 3) {
      for (let j = 4; j < 12; j += 2) base.writeUInt16BE(int(4) === 0 ? 0xffff : int(4), j); // wrong counts
      out.push(base);
    } else if (kind === 4) {
      // Compression loops and pointers anywhere.
      const at = 12 + int(base.length - 12);
      base[at] = 0xc0 | int(4);
      if (at + 1 < base.length) base[at + 1] = int(64);
      out.push(base);
    } else {
      // Huge or reserved-type labels, and long runs of labels.
      const label = Buffer.alloc(1 + int(200), 0x61);
      label[0] = int(256);
      out.push(Buffer.concat([base.subarray(0, 12), label, Buffer.alloc(int(300), 1), base.subarray(12)]));
    }
  }
  return out;
}

