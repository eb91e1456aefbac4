// Table tests of client IP normalisation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeIp } from './ip-address.ts';

test('normalizeIp keeps valid addresses canonical and refuses garbage', () => {
  assert.equal(normalizeIp(' 10.0.0.1 '), '10.0.0.1');
  assert.equal(normalizeIp('::1'), '::1');
  assert.equal(normalizeIp('::FFFF:10.1.2.3'), '10.1.2.3');
  assert.equal(normalizeIp(''), undefined);
});
