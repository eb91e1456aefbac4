// The `policy:` block of the config file: off when absent, on when written, defaults and validation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinChecks } from '../../checks/index.ts';
import { loadConfigText } from '../../config/load.ts';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_SCAN_TIMEOUT_MS } from './server.ts';

const load = (yaml: string) => loadConfigText(`data_dir: /tmp/winnow-policy-config-test\n${yaml}`, builtinChecks, '/tmp/winnow.yaml').file.policy;

test('the policy listener is on by default, on loopback, and can be switched off', () => {
  assert.equal(load('').enabled, true);
  assert.deepEqual(load('').listen, ['127.0.0.1:10040']);
  assert.equal(load('policy: { enabled: false }').enabled, false);
});

test('an empty block gives the documented defaults', () => {
  assert.deepEqual(load('policy: {}'), {
    enabled: true,
    listen: ['127.0.0.1:10040'],
    protocol_states: ['RCPT'],
    timeout_ms: DEFAULT_SCAN_TIMEOUT_MS,
    idle_timeout_ms: DEFAULT_IDLE_TIMEOUT_MS,
    fail_action: 'DUNNO',
  });
});

test('every key can be set; a unix socket is a listen address', () => {
  const p = load(
    "settings: { envelope: {} }\npolicy: { listen: ['127.0.0.1:10041', '/run/winnow/policy.sock'], protocol_states: [RCPT, DATA, END-OF-MESSAGE], settings_id: envelope, timeout_ms: 500, idle_timeout_ms: 1000, fail_action: DEFER }",
  );
  assert.deepEqual(p.listen, ['127.0.0.1:10041', '/run/winnow/policy.sock']);
  assert.deepEqual(p.protocol_states, ['RCPT', 'DATA', 'END-OF-MESSAGE']);
  assert.equal(p.settings_id, 'envelope');
  assert.equal(p.fail_action, 'DEFER');
});

const invalid: [string, RegExp][] = [
  ['policy: { protocol_states: [RCTP] }', /protocol_states/],
  ['policy: { protocol_states: [] }', /protocol_states/],
  ['policy: { fail_action: REJECT }', /fail_action/],
  ['policy: { timeout_ms: 0 }', /timeout_ms/],
  ['policy: { listen: [nonsense] }', /listen/],
  ['policy: { bogus_key: 1 }', /bogus_key/],
];
for (const [yaml, re] of invalid) {
  test(`rejected with the key named: ${yaml}`, () => {
    assert.throws(() => load(yaml), (err: Error) => re.test(err.message));
  });
}
