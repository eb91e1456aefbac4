// Tests for the controller's request authorization: passwords, sessions with CSRF, trusted browsers, cross-site refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Authenticator } from './auth.ts';
import { headerBag } from './request-headers.ts';
import { authorizeRequest, isCrossOrigin, isLiteralHost, type RouteNeeds } from './request-auth.ts';
import { HttpError } from './respond.ts';
import { SessionCodec, sessionFingerprint } from './ui-session.ts';

const AUTH = { password: 'read-pw', enablePassword: 'enable-pw', secureIp: ['127.0.0.1/32'] };
const sessions = new SessionCodec(Buffer.alloc(32, 1), sessionFingerprint(AUTH));

function req(opts: { method?: string; ip?: string; headers?: Record<string, string> }): IncomingMessage {
  return { method: opts.method ?? 'GET', headers: { host: '127.0.0.1:11334', ...opts.headers }, socket: { remoteAddress: opts.ip ?? '192.0.2.9' } } as unknown as IncomingMessage;
}

async function outcome(r: IncomingMessage, needs: Partial<RouteNeeds> = {}, password?: string): Promise<string> {
  const bag = headerBag(password ? { password: [password] } : {}, new URLSearchParams());
  try {
    const a = await authorizeRequest(r, bag, { privileged: false, api: true, ...needs }, new Authenticator(AUTH), sessions);
    return `ok ${a.via}${a.readOnly ? ' ro' : ''}`;
  } catch (err) {
    assert.ok(err instanceof HttpError);
    return `${err.status} ${err.code}`;
  }
}

test('isLiteralHost: IPs and localhost only', () => {
  for (const h of ['127.0.0.1:11334', '[::1]:11334', 'localhost:80', '10.1.2.3']) assert.equal(isLiteralHost(h), true, h);
  for (const h of ['evil.example:11334', 'mail.example.org', '', undefined]) assert.equal(isLiteralHost(h), false, String(h));
});

test('isCrossOrigin compares Origin with Host (or X-Forwarded-Host)', () => {
  assert.equal(isCrossOrigin(req({})), false, 'no Origin: not a cross-site browser request');
  assert.equal(isCrossOrigin(req({ headers: { origin: 'http://127.0.0.1:11334' } })), false);
  assert.equal(isCrossOrigin(req({ headers: { origin: 'http://evil.example' } })), true);
  assert.equal(isCrossOrigin(req({ headers: { origin: 'null' } })), true);
  assert.equal(isCrossOrigin(req({ headers: { origin: 'https://mail.example.org', 'x-forwarded-host': 'mail.example.org' } })), false);
});

const cases: { name: string; r: IncomingMessage; needs?: Partial<RouteNeeds>; password?: string; want: string }[] = [
  { name: 'remote, no credentials, api route', r: req({}), want: '401 ERR_AUTH_REQUIRED' },
  { name: 'remote, read password', r: req({}), password: 'read-pw', want: 'ok password ro' },
  { name: 'remote, read password on a privileged route', r: req({}), needs: { privileged: true }, password: 'read-pw', want: '401 ERR_AUTH_FAILED' },
  { name: 'remote, enable password, privileged', r: req({ method: 'POST' }), needs: { privileged: true }, password: 'enable-pw', want: 'ok enable_password' },
  { name: 'trusted, rspamc-like (no browser headers), privileged', r: req({ ip: '127.0.0.1', method: 'POST' }), needs: { privileged: true }, want: 'ok secure_ip' },
  { name: 'trusted browser reads by IP', r: req({ ip: '127.0.0.1', headers: { 'sec-fetch-site': 'same-origin' } }), want: 'ok secure_ip' },
  {
    name: 'trusted browser reads by host name (DNS rebinding?)',
    r: req({ ip: '127.0.0.1', headers: { host: 'evil.example:11334', 'sec-fetch-site': 'same-origin' } }),
    want: '401 ERR_LOGIN_REQUIRED',
  },
  { name: 'trusted browser changes without a session', r: req({ ip: '127.0.0.1', method: 'POST', headers: { origin: 'http://127.0.0.1:11334' } }), want: '401 ERR_LOGIN_REQUIRED' },
  { name: 'cross-site request from a trusted peer', r: req({ ip: '127.0.0.1', method: 'POST', headers: { origin: 'http://evil.example' } }), want: '403 ERR_CSRF' },
  { name: 'garbage cookie', r: req({ headers: { cookie: 'winnow_session=abc' } }), want: '401 ERR_SESSION_EXPIRED' },
];
for (const c of cases) {
  test(`authorizeRequest: ${c.name} → ${c.want}`, async () => {
    assert.equal(await outcome(c.r, c.needs, c.password), c.want);
  });
}

test('sessions: reads need no CSRF token, changes need the right one, read-only sessions change nothing', async () => {
  const full = sessions.issue(false, 'enable_password');
  const ro = sessions.issue(true, 'password');
  const cookie = (t: string) => `winnow_session=${t}`;
  assert.equal(await outcome(req({ headers: { cookie: cookie(full.token) } })), 'ok session');
  assert.equal(await outcome(req({ method: 'POST', headers: { cookie: cookie(full.token) } })), '403 ERR_CSRF');
  assert.equal(await outcome(req({ method: 'POST', headers: { cookie: cookie(full.token), 'x-csrf-token': ro.csrf } })), '403 ERR_CSRF', "another session's token");
  assert.equal(await outcome(req({ method: 'POST', headers: { cookie: cookie(full.token), 'x-csrf-token': full.csrf } }), { privileged: true }), 'ok session');
  assert.equal(await outcome(req({ headers: { cookie: cookie(full.token) } }), { privileged: true }), '403 ERR_CSRF', "rspamd's GET /statreset is a change too");
  assert.equal(await outcome(req({ method: 'POST', headers: { cookie: cookie(ro.token), 'x-csrf-token': ro.csrf } }), { privileged: true }), '403 ERR_READ_ONLY');
  assert.equal(await outcome(req({ headers: { cookie: cookie(ro.token) } })), 'ok session ro');
});

test('rspamd routes without credentials keep the old answer: 401 Unauthorized, counted by the throttle', async () => {
  const bag = headerBag({}, new URLSearchParams());
  const auth = new Authenticator(AUTH);
  const err = await authorizeRequest(req({}), bag, { privileged: false, api: false }, auth, sessions).catch((e: unknown) => e);
  assert.ok(err instanceof HttpError);
  assert.equal(err.status, 401);
  assert.equal(err.message, 'Unauthorized');
});
