// Tests of controller password hashing and verification.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, parseScryptHash, validateStoredPassword, verifyPassword } from './password.ts';

/** Low cost keeps the suite fast; the format and checks are the same at any N. */
const FAST_N = 1024;

test('a hash verifies its own password and refuses others', async () => {
  const h = await hashPassword('s3cret', FAST_N);
  assert.match(h, /^\$scrypt\$1024\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
  assert.equal(await verifyPassword('s3cret', h), true);
  assert.equal(await verifyPassword('s3cret ', h), false);
  assert.equal(await verifyPassword('', h), false);
});

test('two hashes of one password differ (random salt)', async () => {
  assert.notEqual(await hashPassword('x', FAST_N), await hashPassword('x', FAST_N));
});

test('the default cost produces a verifiable hash', async () => {
  const h = await hashPassword('pw');
  assert.match(h, /^\$scrypt\$16384\$/);
  assert.equal(await verifyPassword('pw', h), true);
});

test('plain-text stored passwords compare exactly', async () => {
  assert.equal(await verifyPassword('abc', 'abc'), true);
  assert.equal(await verifyPassword('abcd', 'abc'), false);
  assert.equal(await verifyPassword('ABC', 'abc'), false);
});

const badStored: [string, RegExp][] = [
  ['', /empty/],
  ['$1$abc$def', /rspamadm pw/],
  ['$scrypt$16384$salt', /malformed/],
  ['$scrypt$1000$c2FsdA$' + 'A'.repeat(43), /power of two/],
  [`$scrypt$${2 ** 21}$c2FsdA$` + 'A'.repeat(43), /power of two/],
  ['$scrypt$1024$c2FsdA$QUFB', /too short/],
];
for (const [stored, why] of badStored) {
  test(`validateStoredPassword refuses ${JSON.stringify(stored.slice(0, 24))}`, () => {
    assert.match(validateStoredPassword(stored) ?? '', why);
  });
}

test('validateStoredPassword accepts plain text and real hashes', async () => {
  assert.equal(validateStoredPassword('plain'), undefined);
  assert.equal(validateStoredPassword(await hashPassword('x', FAST_N)), undefined);
});

test('a malformed hash never verifies', async () => {
  assert.equal(typeof parseScryptHash('$scrypt$x$y$z'), 'string');
  assert.equal(await verifyPassword('anything', '$scrypt$x$y$z'), false);
});
