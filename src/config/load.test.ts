// Config validation tests: every error names the key, the rule, the value and the line; dump names each value's source.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineCheck } from '../core/check.ts';
import { ConfigError, loadConfigText } from './load.ts';
import { dumpConfig } from './dump.ts';
import { toEngineConfig } from './engine-config.ts';

const tunable = defineCheck({
  name: 'tunable',
  description: 'has settings',
  phase: 'filter',
  configSchema: z.strictObject({ max_hours: z.number().positive().default(2), mode: z.enum(['fast', 'slow']).default('fast') }),
  symbols: { TUNED: { weight: 1, description: 'x' } },
  run() {},
});
const optIn = defineCheck({ name: 'opt-in', description: 'off by default', phase: 'filter', enabledByDefault: false, symbols: {}, run() {} });
const checks = [tunable, optIn];

function issuesOf(text: string): string {
  try {
    loadConfigText(text, checks, 'winnow.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    return err.message;
  }
  assert.fail('config was accepted');
}

test('embedded defaults: empty text gives rspamd thresholds and loopback listeners', () => {
  const c = loadConfigText('', checks);
  assert.deepEqual(c.file.http.listen, ['127.0.0.1:11333']);
  assert.deepEqual(c.file.controller.listen, ['127.0.0.1:11334']);
  assert.equal(c.file.actions.reject, 15);
  assert.equal(c.file.actions.add_header, 6);
  assert.equal(c.file.actions.greylist, 4);
  assert.equal(c.file.actions.rewrite_subject, null);
  assert.deepEqual(c.checks, { tunable: { max_hours: 2, mode: 'fast' } });
  assert.deepEqual(c.disabledChecks, ['opt-in']);
  assert.equal(Object.isFrozen(c.file.http), true);
});

test('errors name key, rule, value and line', () => {
  const cases: [string, RegExp][] = [
    ['http:\n  listen: [nowhere]\n', /winnow\.yaml:2: http\.listen\.0: expected HOST:PORT.* \(got "nowhere"\)/],
    ['actions:\n  reject: "high"\n', /winnow\.yaml:2: actions\.reject: .*number.* \(got "high"\)/],
    ['htttp: {}\n', /winnow\.yaml:1: htttp: unknown key/],
    ['checks:\n  tunable:\n    max_hours: -1\n', /winnow\.yaml:3: checks\.tunable\.max_hours: .*>0.* \(got -1\)/],
    ['checks:\n  tunable:\n    mode: turbo\n', /checks\.tunable\.mode: .*"fast".*"slow".* \(got "turbo"\)/],
    ['checks:\n  nosuch: {}\n', /winnow\.yaml:2: checks\.nosuch: unknown check; known checks: opt-in, tunable/],
    ['checks:\n  tunable:\n    enabled: maybe\n', /checks\.tunable\.enabled: expected true or false \(got "maybe"\)/],
    ['actions:\n  greylist: 8\n', /actions: threshold for 'add header' \(6\) is below 'greylist' \(8\)/],
    ['settings:\n  out:\n    checks_disabled: [nosuch]\n', /settings\.out\.checks_disabled: names an unknown check \(got "nosuch"\)/],
    ['limits:\n  max_message_size: lots\n', /limits\.max_message_size: .*size like/],
    ['a: [1\n', /YAML syntax/],
    ['a: 1\na: 2\n', /YAML syntax/],
  ];
  for (const [text, re] of cases) assert.match(issuesOf(text), re, text);
});

test('sizes accept suffixes; opt-in checks can be enabled; disabled checks are absent', () => {
  const c = loadConfigText('limits:\n  max_message_size: 2M\nchecks:\n  opt-in: { enabled: true }\n  tunable: { enabled: false }\n', checks);
  assert.equal(c.file.limits.max_message_size, 2 * 1024 * 1024);
  assert.deepEqual(Object.keys(c.checks), ['opt-in']);
  assert.deepEqual(c.disabledChecks, ['tunable']);
  const e = toEngineConfig(c);
  assert.equal(e.limits.maxMessageBytes, 2 * 1024 * 1024);
  assert.equal(e.actions['add header'], 6);
});

test('dump shows each value with file:line or default', () => {
  const c = loadConfigText('actions:\n  reject: 20\ncontroller:\n  password: secret\n', checks, '/etc/winnow/winnow.yaml');
  const rows = dumpConfig(c);
  const row = (k: string) => rows.find((r) => r.key === k);
  assert.deepEqual(row('actions.reject'), { key: 'actions.reject', value: '20', source: '/etc/winnow/winnow.yaml:2' });
  assert.deepEqual(row('actions.add_header'), { key: 'actions.add_header', value: '6', source: 'default' });
  assert.equal(row('controller.password')?.source, '/etc/winnow/winnow.yaml:4');
  assert.equal(row('checks.tunable.max_hours')?.source, 'default');
  assert.equal(row('checks.opt-in.enabled')?.value, 'false');
});

test('a listener naming a settings profile the config does not define is refused, with the profiles it does define', () => {
  const yaml = `settings:
  inbound: { checks_disabled: [] }
policy:
  settings_id: envelope
milter:
  authenticated: outbund
  settings_id: inbound
`;
  assert.throws(
    () => loadConfigText(yaml, checks, '/etc/winnow/winnow.yaml'),
    (err: ConfigError) => {
      assert.deepEqual(
        err.issues.map((i) => [i.key, i.value, i.line]),
        [
          ['policy.settings_id', '"envelope"', 4],
          ['milter.authenticated', '"outbund"', 6],
        ],
      );
      assert.match(err.message, /winnow\.yaml:4: policy\.settings_id: names no settings profile; defined: inbound \(got "envelope"\)/);
      assert.match(err.message, /milter\.authenticated: names no settings profile; defined: inbound \(or use scan \/ skip\)/);
      return true;
    },
  );
  const ok = loadConfigText('settings: { envelope: {} }\npolicy: { settings_id: envelope }\nmilter: { authenticated: skip }\n', checks);
  assert.equal(ok.file.policy.settings_id, 'envelope');
});
