import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCommand, encodeReply, isFinalReply, type MilterCommand, type MilterReply } from './codec.ts';

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const b = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
const decode = (cmd: string, payload: Buffer) => decodeCommand({ cmd: cmd.charCodeAt(0), payload });

const good: { name: string; cmd: string; payload: Buffer; want: MilterCommand }[] = [
  { name: 'OPTNEG (Postfix)', cmd: 'O', payload: b(u32(6), u32(0x1ff), u32(0x1fffff)), want: { type: 'optneg', version: 6, actions: 0x1ff, protocol: 0x1fffff } },
  { name: 'OPTNEG with extra bytes', cmd: 'O', payload: b(u32(2), u32(0), u32(0), 'xx'), want: { type: 'optneg', version: 2, actions: 0, protocol: 0 } },
  { name: 'MACRO with pairs', cmd: 'D', payload: b('M', 'i\0ABC123\0{auth_authen}\0alice\0'), want: { type: 'macro', stage: 'M', macros: [['i', 'ABC123'], ['{auth_authen}', 'alice']] } },
  { name: 'MACRO with zero pairs (Postfix before L/B)', cmd: 'D', payload: b('L'), want: { type: 'macro', stage: 'L', macros: [] } },
  { name: 'MACRO with a dangling name', cmd: 'D', payload: b('C', 'j\0mx\0v\0'), want: { type: 'macro', stage: 'C', macros: [['j', 'mx']] } },
  {
    name: 'CONNECT IPv4 (PROTOCOLS.md example)',
    cmd: 'C',
    payload: b('mx.example.com\0', '4', u16(25000), '192.0.2.1\0'),
    want: { type: 'connect', hostname: 'mx.example.com', family: '4', port: 25000, address: '192.0.2.1' },
  },
  { name: 'CONNECT IPv6', cmd: 'C', payload: b('[2001:db8::1]\0', '6', u16(1234), '2001:db8::1\0'), want: { type: 'connect', hostname: '[2001:db8::1]', family: '6', port: 1234, address: '2001:db8::1' } },
  { name: 'CONNECT Sendmail IPv6 prefix', cmd: 'C', payload: b('h\0', '6', u16(1), 'IPv6:2001:db8::2\0'), want: { type: 'connect', hostname: 'h', family: '6', port: 1, address: 'IPv6:2001:db8::2' } },
  { name: 'CONNECT unix', cmd: 'C', payload: b('localhost\0', 'L', u16(0), '/var/run/x\0'), want: { type: 'connect', hostname: 'localhost', family: 'L', port: 0, address: '/var/run/x' } },
  { name: 'CONNECT unknown family', cmd: 'C', payload: b('localhost\0', 'U'), want: { type: 'connect', hostname: 'localhost', family: 'U', port: 0, address: '' } },
  { name: 'HELO', cmd: 'H', payload: b('client.example\0'), want: { type: 'helo', name: 'client.example' } },
  { name: 'MAIL with ESMTP args', cmd: 'M', payload: b('<a@example.com>\0SIZE=123\0BODY=8BITMIME\0'), want: { type: 'mail', args: ['<a@example.com>', 'SIZE=123', 'BODY=8BITMIME'] } },
  { name: 'MAIL null sender', cmd: 'M', payload: b('<>\0'), want: { type: 'mail', args: ['<>'] } },
  { name: 'MAIL UTF-8 address', cmd: 'M', payload: Buffer.from('<jöe@example.com>\0', 'utf8'), want: { type: 'mail', args: ['<jöe@example.com>'] } },
  { name: 'RCPT', cmd: 'R', payload: b('<b@example.org>\0NOTIFY=NEVER\0'), want: { type: 'rcpt', args: ['<b@example.org>', 'NOTIFY=NEVER'] } },
  { name: 'DATA', cmd: 'T', payload: b(), want: { type: 'data' } },
  { name: 'HEADER folded', cmd: 'L', payload: b('Subject\0line one\n\tline two\0'), want: { type: 'header', name: 'Subject', value: 'line one\n\tline two' } },
  { name: 'HEADER empty value', cmd: 'L', payload: b('X-Empty\0\0'), want: { type: 'header', name: 'X-Empty', value: '' } },
  { name: 'HEADER 8-bit bytes kept as latin1', cmd: 'L', payload: b('Subject\0', Buffer.from([0xc3, 0xa9]), '\0'), want: { type: 'header', name: 'Subject', value: '\u00c3\u00a9' } },
  { name: 'EOH', cmd: 'N', payload: b(), want: { type: 'eoh' } },
  { name: 'BODY', cmd: 'B', payload: b('hello\r\n'), want: { type: 'body', chunk: b('hello\r\n') } },
  { name: 'BODYEOB empty', cmd: 'E', payload: b(), want: { type: 'eob', chunk: b() } },
  { name: 'BODYEOB with a last chunk', cmd: 'E', payload: b('tail\r\n'), want: { type: 'eob', chunk: b('tail\r\n') } },
  { name: 'ABORT', cmd: 'A', payload: b(), want: { type: 'abort' } },
  { name: 'QUIT', cmd: 'Q', payload: b(), want: { type: 'quit' } },
  { name: 'QUIT_NC', cmd: 'K', payload: b(), want: { type: 'quit_nc' } },
  { name: 'UNKNOWN', cmd: 'U', payload: b('XFOO bar\0'), want: { type: 'unknown', line: 'XFOO bar' } },
];

for (const c of good) {
  test(`decode: ${c.name}`, () => {
    assert.deepEqual(decode(c.cmd, c.payload), { ok: true, command: c.want });
  });
}

const badCases: { name: string; cmd: string; payload: Buffer; reason: RegExp }[] = [
  { name: 'unknown command byte', cmd: 'Z', payload: b(), reason: /unknown command 0x5a/ },
  { name: 'OPTNEG too short', cmd: 'O', payload: b(u32(6)), reason: /OPTNEG payload of 4 bytes/ },
  { name: 'MACRO without stage', cmd: 'D', payload: b(), reason: /stage/ },
  { name: 'MACRO list without final NUL', cmd: 'D', payload: b('C', 'j\0mx'), reason: /NUL/ },
  { name: 'CONNECT without family', cmd: 'C', payload: b('host\0'), reason: /family/ },
  { name: 'CONNECT bad family', cmd: 'C', payload: b('host\0', 'X', u16(1), 'a\0'), reason: /unknown address family/ },
  { name: 'CONNECT without port', cmd: 'C', payload: b('host\0', '4'), reason: /port/ },
  { name: 'CONNECT address not terminated', cmd: 'C', payload: b('host\0', '4', u16(1), '1.2.3.4'), reason: /NUL-terminated address/ },
  { name: 'HELO not terminated', cmd: 'H', payload: b('x'), reason: /HELO/ },
  { name: 'HELO two strings', cmd: 'H', payload: b('x\0y\0'), reason: /HELO/ },
  { name: 'MAIL empty', cmd: 'M', payload: b(), reason: /MAIL without/ },
  { name: 'RCPT not terminated', cmd: 'R', payload: b('<x>'), reason: /RCPT without/ },
  { name: 'HEADER one string', cmd: 'L', payload: b('Subject\0'), reason: /HEADER/ },
  { name: 'HEADER empty name', cmd: 'L', payload: b('\0v\0'), reason: /HEADER/ },
];

for (const c of badCases) {
  test(`decode refuses: ${c.name}`, () => {
    const r = decode(c.cmd, c.payload);
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, c.reason);
  });
}

const hex = (r: MilterReply) => encodeReply(r).toString('hex');
const encodeCases: { reply: MilterReply; want: string }[] = [
  { reply: { type: 'continue' }, want: '0000000163' },
  { reply: { type: 'accept' }, want: '0000000161' },
  { reply: { type: 'reject' }, want: '0000000172' },
  { reply: { type: 'tempfail' }, want: '0000000174' },
  { reply: { type: 'discard' }, want: '0000000164' },
  { reply: { type: 'skip' }, want: '0000000173' },
  { reply: { type: 'progress' }, want: '0000000170' },
  // PROTOCOLS.md §1.4's example reply bytes for version 6, actions 0x3F, protocol 0x000FF080.
  { reply: { type: 'optneg', version: 6, actions: 0x3f, protocol: 0x000ff080 }, want: '0000000d4f000000060000003f000ff080' },
  { reply: { type: 'replycode', text: '550 5.7.1 No' }, want: `0000000e79${Buffer.from('550 5.7.1 No\0').toString('hex')}` },
  { reply: { type: 'quarantine', reason: 'held' }, want: `0000000671${Buffer.from('held\0').toString('hex')}` },
  { reply: { type: 'addheader', name: 'X-A', value: 'b' }, want: `0000000768${Buffer.from('X-A\0b\0').toString('hex')}` },
  { reply: { type: 'insheader', index: 1, name: 'X', value: '' }, want: `0000000869000000015800${'00'}` },
  { reply: { type: 'chgheader', index: 2, name: 'X', value: '' }, want: `000000086d000000025800${'00'}` },
  { reply: { type: 'addheader', name: 'X\0Y', value: 'a\0b' }, want: `0000000768${Buffer.from('XY\0ab\0').toString('hex')}` },
];

for (const c of encodeCases) {
  test(`encode: ${JSON.stringify(c.reply)}`, () => {
    assert.equal(hex(c.reply), c.want);
  });
}

test('final replies are the ones that end the wait', () => {
  const finals = (['continue', 'accept', 'reject', 'tempfail', 'discard', 'skip'] as const).map((type) => isFinalReply({ type }));
  assert.deepEqual(finals, [true, true, true, true, true, true]);
  assert.equal(isFinalReply({ type: 'replycode', text: '451 4.7.1 x' }), true);
  assert.equal(isFinalReply({ type: 'progress' }), false);
  assert.equal(isFinalReply({ type: 'quarantine', reason: 'x' }), false);
  assert.equal(isFinalReply({ type: 'addheader', name: 'a', value: 'b' }), false);
});
