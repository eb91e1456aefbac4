// IncidentLog: one line when an incident opens, one when it closes, none in between.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncidentLog } from './incident-log.ts';
import { MemoryLogger } from './memory-logger.ts';

test('logs the first failure and the recovery with the failure count, nothing else', () => {
  const log = new MemoryLogger();
  const incident = new IncidentLog();
  incident.succeeded(log, () => 'never');
  for (let i = 0; i < 3; i++) incident.failed(log, 'error', { i }, 'down');
  assert.equal(incident.open, true);
  incident.succeeded(log, (n) => `up after ${n}`, 'failedRequests');
  incident.succeeded(log, () => 'again');
  incident.failed(log, 'warn', {}, 'down again');
  assert.deepEqual(
    log.records.map((r) => [r.level, r.msg, r.fields]),
    [
      ['error', 'down', { i: 0 }],
      ['info', 'up after 3', { failedRequests: 3 }],
      ['warn', 'down again', {}],
    ],
  );
});
