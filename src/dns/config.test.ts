// Tests of the `dns:` config schema: defaults and server address forms.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getServers } from 'node:dns';
import { dnsConfigSchema, isServerAddress } from './config.ts';

describe('dnsConfigSchema', () => {
  it('fills in the defaults, servers from the system', () => {
    const c = dnsConfigSchema.parse({});
    assert.deepEqual(c.servers, getServers());
    assert.equal(c.timeout_ms, 2000);
    assert.equal(c.tries, 2);
    assert.equal(c.cache_size, 10_000);
    assert.equal(c.default_ttl_s, 300);
    assert.equal(c.negative_ttl_s, 30);
    assert.equal(c.max_ttl_s, 3600);
  });

  it('names the offending key', () => {
    const r = dnsConfigSchema.safeParse({ servers: ['dns.example.com'], tries: 0, timeout: 5 });
    assert.equal(r.success, false);
    const paths = r.error!.issues.map((i) => i.path.join('.') || i.code).sort();
    assert.deepEqual(paths, ['servers.0', 'tries', 'unrecognized_keys']);
  });

  const addresses: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.0.0.1:5353', true],
    ['::1', true],
    ['[::1]:53', true],
    ['[2001:db8::53]', true],
    ['2001:db8::53', true],
    ['127.0.0.1:0', false],
    ['127.0.0.1:65536', false],
    ['[127.0.0.1]:53', false],
    ['::1:53:', false],
    ['localhost', false],
    ['localhost:53', false],
    ['', false],
  ];
  for (const [addr, ok] of addresses) {
    it(`${ok ? 'accepts' : 'rejects'} server ${JSON.stringify(addr)}`, () => {
      assert.equal(isServerAddress(addr), ok);
    });
  }
});
