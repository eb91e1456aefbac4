// The smtp_front config block: spamd's defaults, limits that must agree, durations, and keys that belong to the spamd check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxBlackOf, smtpFrontSchema } from './config.ts';

test('defaults follow spamd: loopback 8025, 1 s stutter, 10 s grey stutter, 450, maxcon 800, maxblack maxcon-100', () => {
  const c = smtpFrontSchema.parse({});
  assert.deepEqual(
    [c.enabled, c.listen, c.upstream, c.proxy_protocol, c.stutter_delay_ms, c.grey_stutter_s, c.blacklist_code, c.max_connections, c.max_per_ip, c.idle_timeout, c.checks],
    [true, ['127.0.0.1:8025'], '127.0.0.1:10025', 'v1', 1000, 10, 450, 800, 50, 400_000, ['spamd']],
  );
  assert.equal(maxBlackOf(c), 700);
  assert.equal(maxBlackOf(smtpFrontSchema.parse({ max_connections: 50, max_per_ip: 10 })), 0);
  assert.equal(c.nftables.enabled, false);
  assert.equal(smtpFrontSchema.parse({ idle_timeout: '2m' }).idle_timeout, 120_000);
});

test('refusals name the rule', () => {
  const issues = (raw: unknown) => JSON.stringify(smtpFrontSchema.safeParse(raw).error?.issues ?? []);
  assert.match(issues({ blacklist_code: 451 }), /blacklist_code/);
  assert.match(issues({ grey_stutter_s: 91 }), /grey_stutter_s/);
  assert.match(issues({ max_black: 900 }), /must not exceed max_connections/);
  assert.match(issues({ upstream: 'nowhere' }), /expected HOST:PORT/);
  assert.match(issues({ hostname: 'two words' }), /no spaces/);
  assert.match(issues({ pass_time: '5m' }), /set checks\.spamd\.pass_time instead/);
  assert.match(issues({ local_domains: ['example.org'] }), /set checks\.spamd\.local_domains instead/);
  assert.match(issues({ tls: { cert: 'c.pem' } }), /key/);
});
