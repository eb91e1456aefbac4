import { test } from 'node:test';
import assert from 'node:assert/strict';
import { framePacket, MAX_PAYLOAD_BYTES, MilterFramer, type FramingError } from './framing.ts';

const pkt = (cmd: string, payload = '') => framePacket(cmd.charCodeAt(0), Buffer.from(payload, 'latin1'));
const len = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

function feedAll(chunks: Buffer[]): { packets: string[]; error: FramingError | undefined; pending: number } {
  const f = new MilterFramer();
  const packets: string[] = [];
  for (const c of chunks) for (const p of f.feed(c)) packets.push(`${String.fromCharCode(p.cmd)}:${p.payload.toString('latin1')}`);
  return { packets, error: f.error, pending: f.pendingBytes };
}

const two = Buffer.concat([pkt('H', 'helo\0'), pkt('N')]);
const split = (b: Buffer, ...at: number[]) => [0, ...at].map((s, i) => b.subarray(s, at[i] ?? b.length));

const cases: { name: string; chunks: Buffer[]; want: string[]; error?: FramingError; pending?: number }[] = [
  { name: 'one packet', chunks: [pkt('O', 'abc')], want: ['O:abc'] },
  { name: 'empty payload (length 1)', chunks: [pkt('N')], want: ['N:'] },
  { name: 'pipelined packets in one chunk', chunks: [two], want: ['H:helo\0', 'N:'] },
  { name: 'split inside the length prefix', chunks: split(two, 2), want: ['H:helo\0', 'N:'] },
  { name: 'split after the prefix', chunks: split(two, 4), want: ['H:helo\0', 'N:'] },
  { name: 'split inside the payload', chunks: split(two, 7), want: ['H:helo\0', 'N:'] },
  { name: 'byte by byte', chunks: split(two, ...Array.from({ length: two.length - 1 }, (_, i) => i + 1)), want: ['H:helo\0', 'N:'] },
  { name: 'truncated: nothing out, bytes pending', chunks: [pkt('H', 'helo\0').subarray(0, 6)], want: [], pending: 6 },
  { name: 'zero length', chunks: [len(0)], want: [], error: 'zero length' },
  { name: 'zero length after a good packet', chunks: [Buffer.concat([pkt('N'), len(0)])], want: ['N:'], error: 'zero length' },
  { name: 'zero length split over chunks', chunks: [len(0).subarray(0, 2), len(0).subarray(2)], want: [], error: 'zero length' },
  { name: 'huge length: refused before the payload arrives', chunks: [Buffer.concat([len(0xffffffff), Buffer.from('B')])], want: [], error: 'packet too large' },
  { name: 'one byte over the limit', chunks: [len(MAX_PAYLOAD_BYTES + 2)], want: [], error: 'packet too large' },
];

for (const c of cases) {
  test(`framing: ${c.name}`, () => {
    const got = feedAll(c.chunks);
    assert.deepEqual(got.packets, c.want);
    assert.equal(got.error, c.error);
    assert.equal(got.pending, c.pending ?? 0);
  });
}

test('framing: the largest payload allowed, in 1 KiB pieces', () => {
  const big = framePacket(0x42, Buffer.alloc(MAX_PAYLOAD_BYTES, 0x61));
  const chunks: Buffer[] = [];
  for (let at = 0; at < big.length; at += 1024) chunks.push(big.subarray(at, at + 1024));
  const f = new MilterFramer();
  const out = chunks.flatMap((c) => f.feed(c));
  assert.equal(out.length, 1);
  assert.equal(out[0].payload.length, MAX_PAYLOAD_BYTES);
  assert.equal(f.error, undefined);
});

test('framing: after an error nothing more comes out', () => {
  const f = new MilterFramer();
  f.feed(len(0));
  assert.equal(f.error, 'zero length');
  assert.deepEqual(f.feed(pkt('N')), []);
});

test('framePacket: length counts the command byte', () => {
  assert.deepEqual([...framePacket(0x63)], [0, 0, 0, 1, 0x63]);
  assert.deepEqual([...pkt('y', 'ab')], [0, 0, 0, 3, 0x79, 0x61, 0x62]);
});
