// Tests for the signed session tokens, their CSRF tokens, cookie parsing and the shared key file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { cookieValue, loadSessionKey, SESSION_KEY_FILE, SESSION_TTL_MS, SessionCodec, sessionFingerprint } from './ui-session.ts';

const KEY = Buffer.alloc(32, 7);
const FP = sessionFingerprint({ password: 'a', enablePassword: 'b', secureIp: [] });

test('an issued session verifies, with its rights and CSRF token', () => {
  let now = 1_000_000;
  const c = new SessionCodec(KEY, FP, () => now);
  const s = c.issue(true, 'password');
  const v = c.verify(s.token);
  assert.deepEqual(v, { readOnly: true, via: 'password', expiresAt: s.expiresAt, csrf: s.csrf });
  assert.ok(s.csrf.length >= 20);
  assert.notEqual(c.issue(true, 'password').csrf, s.csrf, 'each session has its own CSRF token');
  now += SESSION_TTL_MS + 1000;
  assert.equal(c.verify(s.token), undefined, 'expired');
});

test('tampered, truncated, foreign-key and other-configuration tokens are refused', () => {
  const c = new SessionCodec(KEY, FP);
  const s = c.issue(false, 'enable_password');
  const parts = s.token.split('.');
  assert.equal(c.verify(parts.slice(0, 4).join('.')), undefined);
  assert.equal(c.verify([parts[0], parts[1], '1', parts[3], parts[4]].join('.')), undefined, 'flipping read-only changes the MAC');
  assert.equal(c.verify([String(Number(parts[0]) + 999), ...parts.slice(1)].join('.')), undefined, 'extending expiry changes the MAC');
  assert.equal(c.verify('x'.repeat(300)), undefined);
  assert.equal(new SessionCodec(Buffer.alloc(32, 8), FP).verify(s.token), undefined);
  const otherFp = sessionFingerprint({ password: 'a', enablePassword: 'changed', secureIp: [] });
  assert.equal(new SessionCodec(KEY, otherFp).verify(s.token), undefined, 'a password change ends sessions');
});

test('csrfMatches compares exactly', () => {
  const c = new SessionCodec(KEY, FP);
  const s = c.issue(false, 'secure_ip');
  assert.equal(SessionCodec.csrfMatches(s, s.csrf), true);
  assert.equal(SessionCodec.csrfMatches(s, undefined), false);
  assert.equal(SessionCodec.csrfMatches(s, `${s.csrf}x`), false);
  assert.equal(SessionCodec.csrfMatches(s, s.csrf.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'))), false);
});

test('cookieValue finds one cookie among several', () => {
  assert.equal(cookieValue('a=1; winnow_session=tok.en; b=2', 'winnow_session'), 'tok.en');
  assert.equal(cookieValue('winnow_sessionx=1', 'winnow_session'), undefined);
  assert.equal(cookieValue(undefined, 'winnow_session'), undefined);
  assert.equal(cookieValue('garbage', 'winnow_session'), undefined);
});

test('loadSessionKey creates one private key file and every later call reads the same key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-session-'));
  try {
    const log = new MemoryLogger();
    const keys = Array.from({ length: 5 }, () => loadSessionKey(join(dir, 'data'), log));
    assert.ok(keys.every((k) => k.equals(keys[0])));
    assert.equal(keys[0].length, 32);
    const file = join(dir, 'data', SESSION_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), keys[0].toString('hex'));
    assert.equal(log.records.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged key file is not overwritten: a per-process key is used and the problem logged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-session-'));
  try {
    writeFileSync(join(dir, SESSION_KEY_FILE), 'not a key');
    const log = new MemoryLogger();
    const a = loadSessionKey(dir, log);
    assert.equal(a.length, 32);
    assert.equal(readFileSync(join(dir, SESSION_KEY_FILE), 'utf8'), 'not a key');
    assert.equal(log.records.filter((r) => r.level === 'warn').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
