// The `milter:` block of the config file: on by default, defaults, every key, validation naming the key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinChecks } from '../../checks/index.ts';
import { loadConfigText } from '../../config/load.ts';
import { DEFAULT_MILTER_MAX_MESSAGE_BYTES, DEFAULT_MILTER_TIMEOUT_MS, DEFAULT_PROGRESS_INTERVAL_MS } from './config.ts';
import { milterSessionOptions } from './from-config.ts';

const load = (yaml: string) => loadConfigText(`data_dir: /tmp/winnow-milter-config-test\n${yaml}`, builtinChecks, '/tmp/winnow.yaml').file.milter;

const DEFAULTS = {
  enabled: true,
  listen: ['127.0.0.1:11332'],
  timeout_ms: DEFAULT_MILTER_TIMEOUT_MS,
  fail_action: 'accept',
  progress_interval_ms: DEFAULT_PROGRESS_INTERVAL_MS,
  max_message_size: DEFAULT_MILTER_MAX_MESSAGE_BYTES,
  size_action: 'accept',
  reject_message: 'Spam message rejected',
  tempfail_message: 'Try again later',
  discard_on_reject: false,
  quarantine_on_reject: false,
  quarantine_reason: 'winnow: quarantined',
  authenticated: 'scan',
  local_networks: [],
};

test('on by default on loopback 11332; an empty block gives the same defaults', () => {
  assert.deepEqual(load(''), DEFAULTS);
  assert.deepEqual(load('milter: {}'), DEFAULTS);
  assert.equal(load('milter: { enabled: false }').enabled, false);
});

test('every key can be set', () => {
  const m = load(`settings: { inbound: {}, outbound: {} }
milter:
  listen: ['127.0.0.1:11340', '[::1]:11340', /run/winnow/milter.sock]
  timeout_ms: 500
  fail_action: tempfail
  progress_interval_ms: 100
  max_message_size: 10M
  size_action: reject
  reject_message: 'No spam here'
  tempfail_message: 'Later please'
  discard_on_reject: true
  quarantine_on_reject: true
  quarantine_reason: 'held by winnow'
  authenticated: outbound
  local_networks: [192.0.2.0/24, '2001:db8::/32', 198.51.100.7]
  settings_id: inbound
`);
  assert.deepEqual(m, {
    enabled: true,
    listen: ['127.0.0.1:11340', '[::1]:11340', '/run/winnow/milter.sock'],
    timeout_ms: 500,
    fail_action: 'tempfail',
    progress_interval_ms: 100,
    max_message_size: 10 * 1024 * 1024,
    size_action: 'reject',
    reject_message: 'No spam here',
    tempfail_message: 'Later please',
    discard_on_reject: true,
    quarantine_on_reject: true,
    quarantine_reason: 'held by winnow',
    authenticated: 'outbound',
    local_networks: ['192.0.2.0/24', '2001:db8::/32', '198.51.100.7'],
    settings_id: 'inbound',
  });
  const o = milterSessionOptions(m);
  assert.ok(o.localNetworks.lookup('192.0.2.200'));
  assert.ok(o.localNetworks.lookup('2001:db8:1::5'));
  assert.equal(o.localNetworks.lookup('203.0.113.1'), undefined);
});

const invalid: [string, RegExp][] = [
  ['milter: { fail_action: reject }', /milter\.fail_action/],
  ['milter: { size_action: discard }', /milter\.size_action/],
  ['milter: { timeout_ms: 0 }', /milter\.timeout_ms/],
  ['milter: { max_message_size: lots }', /milter\.max_message_size/],
  ['milter: { listen: [nonsense] }', /milter\.listen/],
  ['milter: { local_networks: [192.0.2.0/33] }', /milter\.local_networks/],
  ['milter: { local_networks: [example.com] }', /milter\.local_networks/],
  ["milter: { reject_message: \"a\\r\\n250 ok\" }", /milter\.reject_message/],
  ['milter: { authenticated: "" }', /milter\.authenticated/],
  ['milter: { add_headers: {} }', /add_headers/],
];
for (const [yaml, re] of invalid) {
  test(`rejected with the key named: ${yaml}`, () => {
    assert.throws(() => load(yaml), (err: Error) => re.test(err.message));
  });
}
