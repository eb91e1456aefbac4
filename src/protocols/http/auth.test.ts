// Tests of the controller's rspamd-style access rules: secure_ip, read vs enable passwords, throttling.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authenticator, DEFAULT_SECURE_IP, secureIpList } from './auth.ts';
import { FailureThrottle } from './failure-throttle.ts';
import { hashPassword } from './password.ts';

const REMOTE = '198.51.100.7';

type Want = 'full' | 'read' | 401;
const cases: { name: string; cfg: { password?: string; enablePassword?: string }; pw?: string; privileged: boolean; want: Want }[] = [
  { name: 'read password, read command', cfg: { password: 'r', enablePassword: 'e' }, pw: 'r', privileged: false, want: 'read' },
  { name: 'enable password, read command', cfg: { password: 'r', enablePassword: 'e' }, pw: 'e', privileged: false, want: 'full' },
  { name: 'enable password, privileged command', cfg: { password: 'r', enablePassword: 'e' }, pw: 'e', privileged: true, want: 'full' },
  { name: 'read password, privileged command', cfg: { password: 'r', enablePassword: 'e' }, pw: 'r', privileged: true, want: 401 },
  { name: 'password alone grants privileged access', cfg: { password: 'r' }, pw: 'r', privileged: true, want: 'full' },
  { name: 'enable password alone grants read access', cfg: { enablePassword: 'e' }, pw: 'e', privileged: false, want: 'full' },
  { name: 'wrong password', cfg: { password: 'r', enablePassword: 'e' }, pw: 'x', privileged: false, want: 401 },
  { name: 'missing password', cfg: { password: 'r' }, privileged: false, want: 401 },
  { name: 'no password configured: remote peers are refused', cfg: {}, pw: 'anything', privileged: false, want: 401 },
  { name: 'no password configured, none supplied', cfg: {}, privileged: false, want: 401 },
  { name: 'sample password q1 refused remotely even when configured', cfg: { password: 'q1' }, pw: 'q1', privileged: false, want: 401 },
];

for (const c of cases) {
  test(`authorize from a non-secure peer: ${c.name}`, async () => {
    const a = new Authenticator({ ...c.cfg, secureIp: [] });
    const out = await a.authorize(REMOTE, c.pw, c.privileged);
    if (c.want === 401) assert.deepEqual({ ok: out.ok, status: !out.ok && out.status }, { ok: false, status: 401 });
    else assert.deepEqual({ ok: out.ok, readOnly: out.ok && out.readOnly }, { ok: true, readOnly: c.want === 'read' });
  });
}

test('hashed passwords work like plain ones', async () => {
  const a = new Authenticator({ password: await hashPassword('r', 1024), enablePassword: await hashPassword('e', 1024), secureIp: [] });
  assert.deepEqual(await a.authorize(REMOTE, 'r', false), { ok: true, readOnly: true, via: 'password' });
  assert.deepEqual(await a.authorize(REMOTE, 'e', true), { ok: true, readOnly: false, via: 'enable_password' });
  assert.equal((await a.authorize(REMOTE, 'r', true)).ok, false);
  // second time from the verified cache: same answer
  assert.deepEqual(await a.authorize(REMOTE, 'r', false), { ok: true, readOnly: true, via: 'password' });
});

test('secure_ip peers and unix sockets need no password, IPv4-mapped loopback included', async () => {
  const a = new Authenticator({ password: 'r', secureIp: DEFAULT_SECURE_IP });
  for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1', undefined]) {
    assert.deepEqual(await a.authorize(peer, undefined, true), { ok: true, readOnly: false, via: 'secure_ip' }, String(peer));
  }
  assert.equal((await a.authorize('127.0.0.2', undefined, false)).ok, false, '/32 means exactly one address');
});

test('CIDR entries match whole networks', () => {
  const list = secureIpList(['10.0.0.0/8', '2001:db8::/32', '192.0.2.5']);
  assert.equal(list.check('10.200.1.1', 'ipv4'), true);
  assert.equal(list.check('11.0.0.1', 'ipv4'), false);
  assert.equal(list.check('2001:db8:ffff::1', 'ipv6'), true);
  assert.equal(list.check('192.0.2.5', 'ipv4'), true);
  assert.equal(list.check('192.0.2.6', 'ipv4'), false);
});

for (const bad of ['10.0.0.0/33', 'localhost', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x', '']) {
  test(`secure_ip entry ${JSON.stringify(bad)} is a config error naming it`, () => {
    assert.throws(() => secureIpList([bad]), (e: Error) => e.message.includes(JSON.stringify(bad)));
  });
}

test('bad configured passwords fail at construction, naming the key', () => {
  assert.throws(() => new Authenticator({ enablePassword: '$1$abc$def', secureIp: [] }), /controller\.enable_password/);
  assert.throws(() => new Authenticator({ password: '$scrypt$oops', secureIp: [] }), /controller\.password/);
});

test('repeated failures from one IP are throttled with 429, even with the right password', async () => {
  let now = 0;
  const a = new Authenticator({ password: 'r', secureIp: [] }, new FailureThrottle(() => now, 3, 60_000));
  for (let i = 0; i < 3; i++) assert.equal((await a.authorize(REMOTE, 'wrong', false)).ok, false);
  const out = await a.authorize(REMOTE, 'r', false);
  assert.deepEqual(out, { ok: false, status: 429, retryAfterMs: 60_000 });
  assert.equal((await a.authorize('198.51.100.8', 'r', false)).ok, true, 'other peers unaffected');
  now = 60_000;
  assert.equal((await a.authorize(REMOTE, 'r', false)).ok, true, 'released after the window');
});
