// Table-driven tests of the spamd-setup list parser, range → CIDR conversion, collapsing and whitelist subtraction.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collapse, parseCidr, parseLine, parseListText, rangeToCidrs, subtract, toCidrs, type IpRange } from './list-file.ts';

const cidrsOf = (r: IpRange | 'bad' | undefined) => (r === undefined || r === 'bad' ? r : rangeToCidrs(r));

test('parseLine: every entry form spamd.conf allows, comments, trailing text and bad lines', () => {
  const table: [string, string[] | 'bad' | undefined][] = [
    ['', undefined],
    ['   ', undefined],
    ['# a comment', undefined],
    ['   # indented comment', undefined],
    ['192.0.2.1', ['192.0.2.1/32']],
    ['192.0.2.1 spammer of the year', ['192.0.2.1/32']],
    ['192.0.2.1\t# why', ['192.0.2.1/32']],
    ['192.0.2.1\r', ['192.0.2.1/32']],
    ['192.0.2.0/24', ['192.0.2.0/24']],
    ['192.0.2.77/24 host bits ignored', ['192.0.2.0/24']],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['0.0.0.0/0', ['0.0.0.0/0']],
    ['192.0.2.0 - 192.0.2.255', ['192.0.2.0/24']],
    ['192.0.2.0-192.0.2.255', ['192.0.2.0/24']],
    ['192.0.2.0 -192.0.2.127 trailing', ['192.0.2.0/25']],
    ['192.0.2.5 - 192.0.2.5', ['192.0.2.5/32']],
    ['192.0.2.1 - 192.0.2.6', ['192.0.2.1/32', '192.0.2.2/31', '192.0.2.4/31', '192.0.2.6/32']],
    ['2001:db8::1', ['2001:db8::1/128']],
    ['2001:DB8::/32 upper case', ['2001:db8::/32']],
    ['2001:db8:: - 2001:db8::ffff', ['2001:db8::/112']],
    ['::ffff:192.0.2.1', ['192.0.2.1/32']],
    ['::ffff:192.0.2.0/120', ['192.0.2.0/24']],
    ['192.0.2.256', 'bad'],
    ['192.0.2.0/33', 'bad'],
    ['192.0.2.0/abc', 'bad'],
    ['192.0.2.9 - 192.0.2.1', 'bad'],
    ['192.0.2.1 - 2001:db8::1', 'bad'],
    ['spam.example.com', 'bad'],
    ['<html><body>', 'bad'],
    ['01.2.3.4', 'bad'],
  ];
  for (const [line, want] of table) assert.deepEqual(cidrsOf(parseLine(line)), want, JSON.stringify(line));
});

test('rangeToCidrs covers exactly the range with the fewest aligned blocks', () => {
  const table: [string, string, string[]][] = [
    ['0.0.0.0', '255.255.255.255', ['0.0.0.0/0']],
    ['10.0.0.0', '10.0.1.255', ['10.0.0.0/23']],
    ['10.0.0.255', '10.0.1.0', ['10.0.0.255/32', '10.0.1.0/32']],
    ['192.168.0.10', '192.168.0.20', ['192.168.0.10/31', '192.168.0.12/30', '192.168.0.16/30', '192.168.0.20/32']],
    ['255.255.255.254', '255.255.255.255', ['255.255.255.254/31']],
    ['::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', ['::/0']],
    ['2001:db8::8', '2001:db8::1f', ['2001:db8::8/125', '2001:db8::10/124']],
  ];
  for (const [a, b, want] of table) {
    const r = parseLine(`${a} - ${b}`);
    assert.ok(r && r !== 'bad', `${a} - ${b} parses`);
    const got = rangeToCidrs(r);
    assert.deepEqual(got, want, `${a} - ${b}`);
    // Independent check: the blocks are contiguous from a to b.
    const blocks = got.map((c) => parseCidr(c)!);
    assert.equal(blocks[0].start, r.start);
    assert.equal(blocks.at(-1)!.end, r.end);
    for (let i = 1; i < blocks.length; i++) assert.equal(blocks[i].start, blocks[i - 1].end + 1n);
  }
});

test('parseListText counts bad lines with their numbers and keeps going', () => {
  const text = ['# list', '192.0.2.1', 'garbage here', '', '198.51.100.0/24 # comment', 'also bad', '203.0.113.0 - 203.0.113.3'].join('\n');
  const p = parseListText(text);
  assert.deepEqual(toCidrs(p.ranges), ['192.0.2.1/32', '198.51.100.0/24', '203.0.113.0/30']);
  assert.equal(p.badCount, 2);
  assert.deepEqual(p.bad, [
    { line: 3, text: 'garbage here' },
    { line: 6, text: 'also bad' },
  ]);
  const many = parseListText(Array.from({ length: 50 }, (_, i) => `junk ${i}`).join('\n'));
  assert.equal(many.badCount, 50);
  assert.equal(many.bad.length, 5, 'only a few samples are kept');
});

test('collapse merges overlapping and adjacent ranges per family', () => {
  const p = parseListText(['192.0.2.0/25', '192.0.2.128/25', '192.0.2.5', '10.0.0.0/8', '10.1.0.0/16', '2001:db8::/64', '2001:db8::1'].join('\n'));
  assert.deepEqual(collapse(p.ranges).flatMap(rangeToCidrs), ['10.0.0.0/8', '192.0.2.0/24', '2001:db8::/64']);
});

test('subtract removes white addresses from black ranges, splitting them', () => {
  const black = parseListText(['10.0.0.0/24', '192.0.2.0/24', '198.51.100.1', '2001:db8::/120'].join('\n')).ranges;
  const white = parseListText(['10.0.0.128/25', '10.0.0.5', '198.51.100.0/24', '192.0.2.0/23', '2001:db8::80/121'].join('\n')).ranges;
  assert.deepEqual(toCidrs(subtract(black, white)), ['10.0.0.0/30', '10.0.0.4/32', '10.0.0.6/31', '10.0.0.8/29', '10.0.0.16/28', '10.0.0.32/27', '10.0.0.64/26', '2001:db8::/121']);
  assert.deepEqual(toCidrs(subtract(black, [])), toCidrs(black));
  assert.deepEqual(subtract([], white), []);
});
