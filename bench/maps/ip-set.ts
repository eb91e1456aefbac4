// Measures IpSet build and lookup speed on a large synthetic list (random IPv4 /32s and /24s, IPv6 /48s and /64s).
//
// Usage: node bench/maps/ip-set.ts [entries]

import { IpSet } from '../../src/maps/ip-set.ts';

const n = Number(process.argv[2] ?? 100_000);
let seed = 42;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const octet = () => Math.floor(rand() * 256);
const hex = () => Math.floor(rand() * 65536).toString(16);
const v4 = () => `${octet()}.${octet()}.${octet()}.${octet()}`;
const v6 = () => `2001:db8:${hex()}:${hex()}::${hex()}`;

const entries: string[] = [];
for (let i = 0; i < n; i++) {
  const r = rand();
  if (r < 0.5) entries.push(v4());
  else if (r < 0.75) entries.push(`${octet()}.${octet()}.${octet()}.0/24`);
  else if (r < 0.9) entries.push(`2001:db8:${hex()}::/48`);
  else entries.push(`2001:db8:${hex()}:${hex()}::/64`);
}
let t = performance.now();
const set = new IpSet<undefined>();
for (const e of entries) set.add(e, undefined);
const buildMs = performance.now() - t;

const queries = [...Array.from({ length: 100_000 }, v4), ...Array.from({ length: 100_000 }, v6)];
for (const q of queries.slice(0, 10_000)) set.lookup(q); // warm-up
let hits = 0;
t = performance.now();
for (const q of queries.slice(0, 100_000)) if (set.lookup(q)) hits++;
const v4Us = ((performance.now() - t) * 1000) / 100_000;
t = performance.now();
for (const q of queries.slice(100_000)) if (set.lookup(q)) hits++;
const v6Us = ((performance.now() - t) * 1000) / 100_000;
console.log(`${set.size} entries built in ${buildMs.toFixed(0)} ms; lookup IPv4 ${v4Us.toFixed(2)} µs, IPv6 ${v6Us.toFixed(2)} µs (${hits} hits)`);
