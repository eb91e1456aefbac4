// Tests for POST /api/login, /api/logout and GET /api/session over loopback HTTP: cookies, CSRF tokens, refusals, the login throttle.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureThrottle } from './failure-throttle.ts';
import { loginHeaders, startTestController, type TestController } from './controller-testing.ts';

let c: TestController;
let trusted: TestController;
before(async () => {
  c = await startTestController({ throttle: new FailureThrottle(Date.now, 3) });
  trusted = await startTestController({ auth: { password: 'read-pw', enablePassword: 'enable-pw', secureIp: ['127.0.0.1/32'] } });
});
after(async () => {
  await c.close();
  await trusted.close();
});

const login = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/login`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });

test('the enable password logs in: HttpOnly SameSite=Strict cookie, CSRF token, full rights', async () => {
  const res = await login(c.url, { password: 'enable-pw' });
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^winnow_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.readOnly, false);
  assert.equal(body.via, 'enable_password');
  assert.equal(typeof body.csrf, 'string');
  const session = (await (await fetch(`${c.url}/api/session`, { headers: { Cookie: cookie.split(';')[0] } })).json()) as Record<string, unknown>;
  assert.equal(session.csrf, body.csrf, 'the UI gets its token back after a page reload');
});

test('the read password gives a read-only session: reads work, changes are refused', async () => {
  const h = await loginHeaders(c.url, 'read-pw');
  assert.equal((await fetch(`${c.url}/api/status`, { headers: h })).status, 200);
  const res = await fetch(`${c.url}/api/greylist/delete`, { method: 'POST', body: '{"key":"x"}', headers: h });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_READ_ONLY');
});

test('a wrong password is 403 with a code and the field; a missing session is 401; a missing CSRF token is 403', async () => {
  const wrong = await login(c.url, { password: 'nope' });
  assert.equal(wrong.status, 403);
  assert.deepEqual(await wrong.json(), { error: { code: 'ERR_AUTH_FAILED', message: 'wrong password', field: 'password' } });
  assert.equal(wrong.headers.get('set-cookie'), null);

  const none = await fetch(`${c.url}/api/status`, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_REQUIRED');

  const h = await loginHeaders(c.url, 'enable-pw');
  const noCsrf = await fetch(`${c.url}/api/greylist/delete`, { method: 'POST', body: '{"key":"x"}', headers: { Cookie: h.Cookie } });
  assert.equal(noCsrf.status, 403);
  assert.equal(((await noCsrf.json()) as { error: { code: string } }).error.code, 'ERR_CSRF');
  const withCsrf = await fetch(`${c.url}/api/greylist/delete`, { method: 'POST', body: '{"key":"x"}', headers: h });
  assert.equal(withCsrf.status, 404, 'authorized; the entry just does not exist');

  const forged = await fetch(`${c.url}/api/status`, { headers: { Cookie: 'winnow_session=1.e.0.abc.def' } });
  assert.equal(forged.status, 401);
  assert.equal(((await forged.json()) as { error: { code: string } }).error.code, 'ERR_SESSION_EXPIRED');
  assert.match(forged.headers.get('set-cookie') ?? '', /Max-Age=0/);
});

test('logout clears the cookie', async () => {
  const res = await fetch(`${c.url}/api/logout`, { method: 'POST' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('set-cookie') ?? '', /^winnow_session=; .*Max-Age=0/);
});

test('a cross-site login is refused before the password is looked at', async () => {
  const res = await login(c.url, { password: 'enable-pw' }, { Origin: 'http://evil.example' });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_CSRF');
});

test('malformed login bodies are 400, not 500', async () => {
  for (const body of ['', 'not json', '[]', '{"password": 5}']) {
    const res = await fetch(`${c.url}/api/login`, { method: 'POST', body });
    assert.equal(res.status, 400, body);
    assert.match(((await res.json()) as { error: { code: string } }).error.code, /^ERR_/);
  }
  assert.equal((await fetch(`${c.url}/api/login`)).status, 405);
});

test('a trusted browser gets a session without a password from GET /api/session, and with an empty one from login', async () => {
  const s = await fetch(`${trusted.url}/api/session`, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
  const body = (await s.json()) as Record<string, unknown>;
  assert.equal(body.authenticated, true);
  assert.equal(body.via, 'secure_ip');
  assert.match(s.headers.get('set-cookie') ?? '', /^winnow_session=/);
  const l = await login(trusted.url, { password: '' });
  assert.equal(l.status, 200);
  assert.equal(((await l.json()) as { via: string }).via, 'secure_ip');
  assert.equal((await login(trusted.url, { password: 'wrong' })).status, 403, 'a wrong password is wrong even from a trusted address');
  const untrusted = (await (await fetch(`${c.url}/api/session`)).json()) as Record<string, unknown>;
  assert.deepEqual(untrusted, { ok: false, authenticated: false, readOnly: true });
});

test('failed logins are throttled per IP with 429 and Retry-After (runs last: it locks this controller)', async () => {
  let status = 0;
  for (let i = 0; i < 5 && status !== 429; i++) status = (await login(c.url, { password: 'guess' })).status;
  assert.equal(status, 429);
  const res = await login(c.url, { password: 'enable-pw' });
  assert.equal(res.status, 429, 'even the right password waits');
  assert.ok(Number(res.headers.get('retry-after')) > 0);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_TOO_MANY_ATTEMPTS');
});
