// spamd-setup list files (spamd.conf(5)): one address, `a.b.c.d/nn` or `a.b.c.d - e.f.g.h` range per line, `#` comments, trailing text ignored; plus the range arithmetic (collapse, whitelist subtraction, range → CIDRs).

import { ipv4ToNumber, ipv6ToHex } from '../../maps/ip-set.ts';
import { readableForm } from '../spf/ip.ts';

export type Family = 4 | 6;

/** An inclusive address range of one family; addresses as unsigned integers. */
export interface IpRange {
  v: Family;
  start: bigint;
  end: bigint;
}

export interface BadLine {
  line: number;
  text: string;
}

export interface ParsedList {
  ranges: IpRange[];
  /** Lines that hold something other than an entry or a comment: counted and reported, never fatal. */
  bad: BadLine[];
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };
/** Bad lines kept for the report; the count goes on past this. */
const MAX_BAD_SAMPLES = 5;
const V4_MAPPED_PREFIX = 0xffffn << 32n;
const V4_MAPPED_MASK = ((1n << 96n) - 1n) << 32n;

/** An address as a number: IPv4, or IPv6 (an IPv4-mapped one folds into IPv4, as IpSet does). */
export function parseAddress(text: string): { v: Family; n: bigint } | undefined {
  const v4 = ipv4ToNumber(text);
  if (v4 !== undefined) return { v: 4, n: BigInt(v4) };
  if (text.includes('%')) return undefined;
  const hex = ipv6ToHex(text);
  if (hex === undefined) return undefined;
  const n = BigInt(`0x${hex}`);
  if ((n & V4_MAPPED_MASK) === V4_MAPPED_PREFIX) return { v: 4, n: n & 0xffffffffn };
  return { v: 6, n };
}

function formatV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

export function formatAddress(v: Family, n: bigint): string {
  if (v === 4) return formatV4(Number(n));
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number((n >> BigInt(8 * (15 - i))) & 0xffn);
  return readableForm({ family: 6, bytes });
}

/** `addr` or `addr/prefix` → its range; undefined when malformed. Host bits beyond the prefix are ignored. */
export function parseCidr(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const a = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!a) return undefined;
  const bits = BITS[a.v];
  let prefix = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    // `::ffff:a.b.c.d/nn` counts the 96 mapping bits, like IpSet.
    if (a.v === 4 && ipv4ToNumber(text.slice(0, slash)) === undefined) prefix -= 96;
    if (prefix < 0 || prefix > bits) return undefined;
  }
  const host = (1n << BigInt(bits - prefix)) - 1n;
  return { v: a.v, start: a.n & ~host, end: (a.n & ~host) | host };
}

/** The fewest CIDR networks covering exactly `start`..`end` (inclusive), largest aligned block first. */
export function rangeToCidrs(r: IpRange): string[] {
  if (r.v === 4) return rangeToCidrsV4(Number(r.start), Number(r.end));
  const bits = BITS[r.v];
  const out: string[] = [];
  let start = r.start;
  while (start <= r.end) {
    // The block size is bounded by start's alignment (its trailing zero bits) and by what is left of the range.
    let size = 0;
    while (size < bits && ((start >> BigInt(size)) & 1n) === 0n && start + (1n << BigInt(size + 1)) - 1n <= r.end) size++;
    out.push(`${formatAddress(r.v, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return out;
}

/** rangeToCidrs for IPv4 in plain numbers (exact below 2^53): lists are mostly IPv4 and BigInt steps cost ~10x. */
function rangeToCidrsV4(first: number, last: number): string[] {
  const out: string[] = [];
  let start = first;
  while (start <= last) {
    let size = 0;
    while (size < 32 && start % 2 ** (size + 1) === 0 && start + 2 ** (size + 1) - 1 <= last) size++;
    out.push(`${formatV4(start)}/${32 - size}`);
    start += 2 ** size;
  }
  return out;
}

/** `a - b`, `a-b`, `a -b`...: the two ends of a range line, or undefined when the line is not one. */
function splitRange(tokens: string[]): [string, string] | undefined {
  const joined = tokens.slice(0, 3).join(' ');
  const m = /^([0-9A-Fa-f:.]+)\s*-\s*([0-9A-Fa-f:.]+)/.exec(joined);
  return m ? [m[1], m[2]] : undefined;
}

/** One line's entry; undefined for blank and comment lines; 'bad' for anything else that does not parse. */
export function parseLine(raw: string): IpRange | 'bad' | undefined {
  const text = raw.replace(/#.*$/, '').trim();
  if (text === '') return undefined;
  const tokens = text.split(/\s+/);
  const range = splitRange(tokens);
  if (range) {
    const a = parseAddress(range[0]);
    const b = parseAddress(range[1]);
    if (!a || !b || a.v !== b.v || a.n > b.n) return 'bad';
    return { v: a.v, start: a.n, end: b.n };
  }
  return parseCidr(tokens[0]) ?? 'bad';
}

/** Parses a whole list file; bad lines are collected (the first few verbatim), never thrown. */
export function parseListText(text: string): ParsedList & { badCount: number } {
  const ranges: IpRange[] = [];
  const bad: BadLine[] = [];
  let badCount = 0;
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    const r = parseLine(raw);
    if (r === undefined) continue;
    if (r === 'bad') {
      badCount++;
      if (bad.length < MAX_BAD_SAMPLES) bad.push({ line, text: raw.trim().slice(0, 80) });
    } else ranges.push(r);
  }
  return { ranges, bad, badCount };
}

/** IPv4 first, each family by start; IPv4 sorts on precomputed numbers (BigInt comparisons dominate otherwise). */
function sortRanges(ranges: readonly IpRange[]): IpRange[] {
  const v4 = ranges.filter((r) => r.v === 4).map((r) => ({ key: Number(r.start), r }));
  v4.sort((a, b) => a.key - b.key);
  const v6 = ranges.filter((r) => r.v === 6).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return [...v4.map((x) => x.r), ...v6];
}

/** Sorted, non-overlapping, non-adjacent ranges covering the same addresses (spamd-setup's collapse). */
export function collapse(ranges: readonly IpRange[]): IpRange[] {
  const sorted = sortRanges(ranges);
  const out: IpRange[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && last.v === r.v && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}

/** `black` minus `white`: both collapsed (sorted) first; the result is collapsed too. */
export function subtract(black: readonly IpRange[], white: readonly IpRange[]): IpRange[] {
  const b = collapse(black);
  const w = collapse(white);
  const out: IpRange[] = [];
  let j = 0;
  for (const r of b) {
    // Whites before this range (or of a lower family) cannot touch it or any later range.
    while (j < w.length && (w[j].v < r.v || (w[j].v === r.v && w[j].end < r.start))) j++;
    let start = r.start;
    for (let k = j; k < w.length && w[k].v === r.v && w[k].start <= r.end; k++) {
      if (w[k].start > start) out.push({ v: r.v, start, end: w[k].start - 1n });
      if (w[k].end + 1n > start) start = w[k].end + 1n;
      if (start > r.end) break;
    }
    if (start <= r.end) out.push({ v: r.v, start, end: r.end });
  }
  return out;
}

/** Collapsed ranges as CIDR text, the form the cache file and IpSet take. */
export function toCidrs(ranges: readonly IpRange[]): string[] {
  return collapse(ranges).flatMap(rangeToCidrs);
}
