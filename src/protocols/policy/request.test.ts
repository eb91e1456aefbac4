import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapPolicyRequest } from './request.ts';

/** What Postfix 3.7 sends at RCPT for a plain SMTP session (captured shape, values made up). */
const POSTFIX_RCPT = {
  request: 'smtpd_access_policy',
  protocol_state: 'RCPT',
  protocol_name: 'ESMTP',
  helo_name: 'mail.example.com',
  queue_id: '',
  sender: 'alice@example.com',
  recipient: 'bob@example.org',
  recipient_count: '0',
  client_address: '192.0.2.10',
  client_name: 'mail.example.com',
  reverse_client_name: 'mail.example.com',
  instance: '1a2b.64f0c0de.9c3a1.0',
  sasl_method: '',
  sasl_username: '',
  sasl_sender: '',
  size: '0',
  ccert_subject: '',
  ccert_issuer: '',
  ccert_fingerprint: '',
  ccert_pubkey_fingerprint: '',
  encryption_protocol: '',
  encryption_cipher: '',
  encryption_keysize: '0',
  etrn_domain: '',
  stress: '',
  client_port: '41234',
  policy_context: '',
  server_address: '127.0.0.1',
  server_port: '25',
};

test('maps a full Postfix 3.7 RCPT request', () => {
  const m = mapPolicyRequest(POSTFIX_RCPT, 'policy');
  assert.ok(m.ok);
  assert.equal(m.state, 'RCPT');
  assert.equal(m.instance, '1a2b.64f0c0de.9c3a1.0');
  const { facts, ...fields } = m.request;
  assert.deepEqual(fields, {
    clientIp: '192.0.2.10',
    helo: 'mail.example.com',
    hostname: 'mail.example.com',
    mailFrom: 'alice@example.com',
    rcptTo: ['bob@example.org'],
    settingsId: 'policy',
  });
  assert.equal(facts?.protocol_state, 'RCPT');
  assert.equal(facts?.client_port, '41234');
  assert.equal(facts?.encryption_keysize, '0');
  assert.equal(facts?.reverse_client_name, 'mail.example.com');
  assert.equal(facts?.sender, undefined, 'mapped attributes are fields, not facts');
});

const fieldCases: { name: string; attrs: Record<string, string>; check: (r: ReturnType<typeof mapPolicyRequest>) => void }[] = [
  {
    name: 'null sender is the empty string',
    attrs: { sender: '' },
    check: (m) => assert.equal(m.ok && m.request.mailFrom, ''),
  },
  {
    name: 'unverified client falls back to the PTR name',
    attrs: { client_name: 'unknown', reverse_client_name: 'ptr.example.net' },
    check: (m) => assert.equal(m.ok && m.request.hostname, 'ptr.example.net'),
  },
  {
    name: 'no name at all leaves hostname unset',
    attrs: { client_name: 'unknown', reverse_client_name: 'unknown' },
    check: (m) => assert.equal(m.ok && m.request.hostname, undefined),
  },
  { name: 'SASL user and queue id', attrs: { sasl_username: 'carol', queue_id: '4AbCdE' }, check: (m) => assert.ok(m.ok && m.request.user === 'carol' && m.request.queueId === '4AbCdE') },
  { name: 'IPv6 client lower-cased', attrs: { client_address: '2001:DB8::1' }, check: (m) => assert.equal(m.ok && m.request.clientIp, '2001:db8::1') },
  { name: 'IPv4-mapped IPv6 becomes IPv4', attrs: { client_address: '::ffff:192.0.2.7' }, check: (m) => assert.equal(m.ok && m.request.clientIp, '192.0.2.7') },
  { name: 'unknown attribute kept as a fact', attrs: { tls_sni: 'mx.example.org' }, check: (m) => assert.equal(m.ok && m.request.facts?.tls_sni, 'mx.example.org') },
  { name: 'protocol_state is case-insensitive', attrs: { protocol_state: 'rcpt' }, check: (m) => assert.equal(m.ok && m.state, 'RCPT') },
  {
    name: 'DATA without recipient (several accepted) is valid',
    attrs: { protocol_state: 'DATA', recipient: '', recipient_count: '3' },
    check: (m) => assert.deepEqual(m.ok && m.request.rcptTo, []),
  },
];
for (const c of fieldCases) {
  test(`maps: ${c.name}`, () => c.check(mapPolicyRequest({ ...POSTFIX_RCPT, ...c.attrs }, undefined)));
}

const invalid: { name: string; change: Record<string, string | undefined>; reason: RegExp }[] = [
  { name: 'other request type', change: { request: 'junk' }, reason: /not smtpd_access_policy/ },
  { name: 'no request type', change: { request: undefined }, reason: /not smtpd_access_policy/ },
  { name: 'no protocol_state', change: { protocol_state: undefined }, reason: /protocol_state/ },
  { name: 'unknown protocol_state', change: { protocol_state: 'BOGUS' }, reason: /protocol_state 'BOGUS'/ },
  { name: 'no client_address', change: { client_address: undefined }, reason: /missing client_address/ },
  { name: 'bad client_address', change: { client_address: '999.1.1.1' }, reason: /invalid client_address/ },
  { name: 'RCPT without sender', change: { sender: undefined }, reason: /missing sender/ },
  { name: 'RCPT without recipient', change: { recipient: undefined }, reason: /missing recipient/ },
  { name: 'RCPT with empty recipient', change: { recipient: '' }, reason: /missing recipient/ },
];
for (const c of invalid) {
  test(`rejects as incomplete: ${c.name}`, () => {
    const attrs: Record<string, string> = { ...POSTFIX_RCPT };
    for (const [k, v] of Object.entries(c.change)) {
      if (v === undefined) delete attrs[k];
      else attrs[k] = v;
    }
    const m = mapPolicyRequest(attrs, undefined);
    assert.equal(m.ok, false);
    assert.match(!m.ok ? m.reason : '', c.reason);
  });
}
