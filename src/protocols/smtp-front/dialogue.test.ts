// Table-driven tests of the fake SMTP dialogue: spamd's exact strings, command order, limits, DATA in both modes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bannerLine, BLACK_BODY_LINES, blacklistReply, ctime, FakeSmtpDialogue, MAX_BAD_COMMANDS, MAX_RCPTS, pathArg, REPLY, type DialogueOptions, type Step } from './dialogue.ts';

const BLACK = blacklistReply(450, 'Your address %A is listed\nGo away', '192.0.2.1');
const GREY: DialogueOptions = { hostname: 'mx.example.org', mode: 'grey', offerTls: false, blackReply: BLACK };

type Row = [input: string, kind: Step['kind'], text?: string];

function run(opts: DialogueOptions, rows: Row[]): FakeSmtpDialogue {
  const d = new FakeSmtpDialogue(opts);
  for (const [input, kind, text] of rows) {
    const step = d.line(input);
    assert.equal(step.kind, kind, `${JSON.stringify(input)} → ${JSON.stringify(step)}`);
    if (text !== undefined) assert.equal('text' in step ? step.text : undefined, text, JSON.stringify(input));
  }
  return d;
}

test('greylisted client: spamd strings, tuple per RCPT, 451 at DATA', () => {
  const d = run(GREY, [
    ['EHLO mail.sender.example', 'reply', REPLY.helo],
    ['MAIL FROM:<alice@sender.example> SIZE=100', 'reply', REPLY.mail],
    ['RCPT TO:<bob@example.org>', 'rcpt', REPLY.rcpt],
    ['rcpt to: <carol@example.org>', 'rcpt', REPLY.rcpt],
    ['NOOP', 'reply', REPLY.noop],
    ['DATA', 'close', '451 Temporary failure, please try again later.'],
  ]);
  assert.equal(d.helo, 'mail.sender.example');
  assert.equal(d.mailFrom, 'alice@sender.example');
  assert.deepEqual(d.transcript, {
    helo: 'EHLO mail.sender.example',
    mail: 'MAIL FROM:<alice@sender.example> SIZE=100',
    rcpts: ['RCPT TO:<bob@example.org>', 'rcpt to: <carol@example.org>'],
  });
  const step = new FakeSmtpDialogue(GREY);
  step.line('HELO x');
  step.line('MAIL FROM:<>');
  assert.deepEqual(step.line('RCPT TO:<postmaster@example.org>'), { kind: 'rcpt', mailFrom: '', rcpt: 'postmaster@example.org', text: REPLY.rcpt });
});

test('lenient order like spamd; HELO needs a domain; RSET, QUIT, unknown commands', () => {
  run(GREY, [
    ['HELO', 'reply', '501 helo requires domain name.'],
    ['RSET', 'reply', REPLY.unknown],
    ['HELO a.example', 'reply', REPLY.helo],
    ['HELO again.example', 'reply', REPLY.unknown],
    ['RCPT TO:<x@example.org>', 'reply', REPLY.rcpt], // no MAIL yet: no tuple
    ['RSET', 'reply', '250 Ok to start over.'],
    ['MAIL FROM:<a@b.example>', 'reply', REPLY.mail],
    ['MAIL FROM:<again@b.example>', 'reply', REPLY.unknown],
    ['VRFY root', 'reply', '500 5.5.1 Command unrecognized'],
    ['quit', 'close', '221 mx.example.org'],
  ]);
  run(GREY, [['DATA', 'close', REPLY.grey]]);
  run(GREY, [['MAIL FROM:<a@b.example>', 'reply', REPLY.mail]]);
});

test('more than MAX_BAD_COMMANDS unknown commands drop the client; overlong lines count as unknown', () => {
  const d = new FakeSmtpDialogue(GREY);
  for (let i = 0; i < MAX_BAD_COMMANDS; i++) assert.deepEqual(d.line('\x00\xff garbage'), { kind: 'reply', text: REPLY.unknown });
  assert.deepEqual(d.line('x'.repeat(100), true), { kind: 'close', text: REPLY.unknown });
});

test('RCPTs beyond MAX_RCPTS are refused and not recorded', () => {
  const d = new FakeSmtpDialogue(GREY);
  d.line('MAIL FROM:<a@b.example>');
  for (let i = 0; i < MAX_RCPTS; i++) assert.equal(d.line(`RCPT TO:<u${i}@example.org>`).kind, 'rcpt');
  assert.deepEqual(d.line('RCPT TO:<late@example.org>'), { kind: 'reply', text: '452 4.5.3 Too many recipients' });
  assert.equal(d.transcript.rcpts.length, MAX_RCPTS);
});

test('blacklisted client: no tuples, 354, body read to the dot or 10 body lines, then the list messages', () => {
  const black = { ...GREY, mode: 'black' as const, offerTls: true };
  run(black, [
    ['EHLO spam.example', 'reply', REPLY.helo],
    ['MAIL FROM:<s@spam.example>', 'reply', REPLY.mail],
    ['RCPT TO:<bob@example.org>', 'reply', REPLY.rcpt],
    ['DATA', 'reply', '354 Enter spam, end with "." on a line by itself'],
    ['Subject: buy', 'none'],
    ['', 'none'],
    ['body', 'none'],
    ['.', 'close', '450-Your address %A is listed\n450 Go away'],
  ]);
  const d = new FakeSmtpDialogue(black);
  d.line('DATA');
  for (const h of ['Subject: a', 'From: b', '']) assert.equal(d.line(h).kind, 'none');
  for (let i = 1; i < BLACK_BODY_LINES; i++) assert.equal(d.line(`line ${i}`).kind, 'none');
  assert.deepEqual(d.line('line 10'), { kind: 'close', text: BLACK });
  assert.equal(d.line('QUIT').kind, 'close');
});

test('STARTTLS is offered on EHLO to greylisted clients only when TLS is configured, then the client starts over', () => {
  const tls = { ...GREY, offerTls: true };
  const d = run(tls, [
    ['EHLO a.example', 'reply', '250-Hello, spam sender. Pleased to be wasting your time.\n250 STARTTLS'],
    ['STARTTLS', 'starttls', '220 glad you want to burn more CPU cycles on your spam'],
  ]);
  d.tlsStarted();
  assert.deepEqual(d.line('EHLO a.example'), { kind: 'reply', text: REPLY.helo }, 'no second STARTTLS offer');
  assert.deepEqual(d.line('STARTTLS'), { kind: 'reply', text: REPLY.unknown });
  run(tls, [['HELO a.example', 'reply', REPLY.helo], ['STARTTLS', 'reply', REPLY.unknown]]);
  run({ ...tls, mode: 'black' }, [['EHLO a.example', 'reply', REPLY.helo], ['STARTTLS', 'reply', REPLY.unknown]]);
});

test('banner, blacklist reply formatting and path tokens follow spamd', () => {
  assert.equal(ctime(new Date(1993, 5, 3, 9, 4, 8)), 'Thu Jun  3 09:04:08 1993');
  assert.equal(bannerLine('mx.example.org', 'winnow', new Date(2024, 0, 15, 13, 0, 0)), '220 mx.example.org ESMTP winnow; Mon Jan 15 13:00:00 2024');
  assert.equal(blacklistReply(550, 'one line', '192.0.2.1'), '550 one line');
  assert.equal(
    blacklistReply(450, '', '192.0.2.1'),
    '450-Sorry 192.0.2.1\n450-You are trying to send mail from an address listed by one\n450 or more IP-based registries as being a SPAM source.',
  );
  for (const [line, want] of [
    ['MAIL FROM:<a@b>', '<a@b>'],
    ['MAIL FROM: <a@b> BODY=8BITMIME', '<a@b>'],
    ['MAIL FROM:\t<a@b>', '<a@b>'],
    ['MAIL FROM', ''],
    ['RCPT TO:', ''],
  ]) assert.equal(pathArg(line), want, line);
});
