import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Macros, MAX_MACROS, macroName, stripBrackets, toScanRequest, type Envelope } from './request.ts';

test('macro names lose their braces', () => {
  assert.equal(macroName('{auth_authen}'), 'auth_authen');
  assert.equal(macroName('i'), 'i');
  assert.equal(macroName('{i}'), 'i');
});

test('message macros override session ones and go on abort; later values win', () => {
  const m = new Macros();
  m.set('C', [['j', 'mx.example'], ['{client_addr}', '192.0.2.1']]);
  m.set('M', [['{client_addr}', '192.0.2.2'], ['i', 'A1']]);
  m.set('R', [['i', 'B2']]);
  assert.equal(m.get('client_addr'), '192.0.2.2');
  assert.equal(m.get('i'), 'B2');
  m.resetMessage();
  assert.equal(m.get('client_addr'), '192.0.2.1');
  assert.equal(m.get('i'), undefined);
  m.resetAll();
  assert.equal(m.get('j'), undefined);
});

test('a macro flood is bounded', () => {
  const m = new Macros();
  m.set('M', Array.from({ length: MAX_MACROS * 2 }, (_, i): [string, string] => [`n${i}`, 'v']));
  assert.equal(m.all().size, MAX_MACROS);
  m.set('M', [['n0', 'changed']]);
  assert.equal(m.get('n0'), 'changed', 'known names still update');
});

const addrs: [string, string][] = [
  ['<a@example.com>', 'a@example.com'],
  ['<>', ''],
  ['a@example.com', 'a@example.com'],
  ['<@relay.example:a@example.com>', 'a@example.com'],
  [' <x@y> ', 'x@y'],
];
for (const [input, want] of addrs) test(`address ${input}`, () => assert.equal(stripBrackets(input), want));

const env = (over: Partial<Envelope> = {}): Envelope => ({
  client: { hostname: 'mail.example.com', family: '4', port: 25000, address: '192.0.2.1' },
  helo: 'helo.example.com',
  mail: ['<a@example.com>', 'SIZE=100', 'BODY=8BITMIME'],
  rcpts: ['<b@example.org>', '<c@example.org>'],
  ...over,
});

test('a Postfix session maps to the ScanRequest fields, every macro also a fact', () => {
  const m = new Macros();
  m.set('C', [['j', 'mx.example.net'], ['{daemon_name}', 'mx'], ['_', 'mail.example.com [192.0.2.1]'], ['v', 'Postfix 3.7.11']]);
  m.set('H', [['{tls_version}', 'TLSv1.3'], ['{cipher}', 'TLS_AES_256_GCM_SHA384']]);
  m.set('M', [['{auth_authen}', 'alice'], ['{auth_type}', 'PLAIN']]);
  m.set('E', [['i', '4XyZ1']]);
  const msg = new Uint8Array([1, 2]);
  const r = toScanRequest(env(), m, msg, 'outbound');
  assert.deepEqual({ ...r, facts: undefined }, {
    clientIp: '192.0.2.1',
    hostname: 'mail.example.com',
    helo: 'helo.example.com',
    mailFrom: 'a@example.com',
    rcptTo: ['b@example.org', 'c@example.org'],
    user: 'alice',
    queueId: '4XyZ1',
    settingsId: 'outbound',
    message: msg,
    facts: undefined,
  });
  assert.deepEqual(r.facts, {
    j: 'mx.example.net',
    daemon_name: 'mx',
    _: 'mail.example.com [192.0.2.1]',
    v: 'Postfix 3.7.11',
    tls_version: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    auth_authen: 'alice',
    auth_type: 'PLAIN',
    i: '4XyZ1',
    client_family: '4',
    client_port: '25000',
    mail_esmtp_args: 'SIZE=100 BODY=8BITMIME',
  });
});

test('IPv6 (Sendmail prefix), unknown names, null sender', () => {
  const r = toScanRequest(env({ client: { hostname: '[2001:db8::1]', family: '6', port: 1, address: 'IPv6:2001:DB8::1' }, mail: ['<>'], helo: '' }), new Macros(), undefined, undefined);
  assert.equal(r.clientIp, '2001:db8::1');
  assert.equal(r.hostname, undefined);
  assert.equal(r.helo, undefined);
  assert.equal(r.mailFrom, '');
  assert.equal(r.message, undefined);
  assert.equal(r.settingsId, undefined);
});

test('unix and unknown families take the address from {client_addr}; `unknown` names are dropped', () => {
  const m = new Macros();
  m.set('C', [['{client_addr}', '::ffff:198.51.100.7'], ['{client_name}', 'unknown']]);
  const r = toScanRequest(env({ client: { hostname: 'localhost', family: 'L', port: 0, address: '/run/x.sock' } }), m, undefined, undefined);
  assert.equal(r.clientIp, '198.51.100.7');
  assert.equal(r.hostname, 'localhost');
  const u = toScanRequest(env({ client: { hostname: 'unknown', family: 'U', port: 0, address: '' } }), new Macros(), undefined, undefined);
  assert.equal(u.clientIp, undefined);
  assert.equal(u.hostname, undefined);
});

test('{client_name} wins over the CONNECT hostname; a bad address is dropped', () => {
  const m = new Macros();
  m.set('C', [['{client_name}', 'verified.example']]);
  const r = toScanRequest(env({ client: { hostname: 'other', family: '4', port: 1, address: 'not-an-ip' } }), m, undefined, undefined);
  assert.equal(r.hostname, 'verified.example');
  assert.equal(r.clientIp, undefined);
});
