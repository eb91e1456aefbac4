// Table-driven tests for the store config schema: defaults and the errors that name the key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeConfigSchema } from './config.ts';

test('store config: defaults', () => {
  assert.deepEqual(storeConfigSchema.parse(undefined), {
    backend: 'sqlite',
    path: 'winnow.sqlite',
    history_size: 1000,
    max_tokens: 1_000_000,
    max_weight_buckets: 4_194_304,
  });
  assert.deepEqual(storeConfigSchema.parse({ backend: 'redis' }), {
    backend: 'redis',
    mode: 'standalone',
    db: 0,
    tls: false,
    prefix: 'winnow:',
    connect_timeout_ms: 5000,
    command_timeout_ms: 2000,
    history_size: 1000,
    max_tokens: 1_000_000,
    max_weight_buckets: 4_194_304,
  });
  const s = storeConfigSchema.parse({ backend: 'redis', mode: 'sentinel', name: 'mymaster', sentinels: [{ host: 's1' }] });
  assert.deepEqual(s.backend === 'redis' && s.sentinels, [{ host: 's1', port: 26379 }]);
});

const invalid: [string, unknown, string, RegExp][] = [
  ['unknown backend', { backend: 'mysql' }, 'backend', /.+/],
  ['unknown key', { backend: 'sqlite', pth: 'x' }, '', /pth/],
  ['history_size zero', { backend: 'sqlite', history_size: 0 }, 'history_size', /.+/],
  ['max_weight_buckets past the 32-bit hash space', { backend: 'sqlite', max_weight_buckets: 2 ** 32 + 1 }, 'max_weight_buckets', /.+/],
  ['max_weight_buckets fractional', { backend: 'redis', max_weight_buckets: 1000.5 }, 'max_weight_buckets', /.+/],
  ['prefix with brace', { backend: 'redis', prefix: 'a{b' }, 'prefix', /must not contain/],
  ['url and host', { backend: 'redis', url: 'redis://x', host: 'y' }, 'url', /either url/],
  ['bad url scheme', { backend: 'redis', url: 'http://x' }, 'url', /redis:\/\//],
  ['sentinel without name', { backend: 'redis', mode: 'sentinel', sentinels: [{ host: 'a' }] }, 'name', /master group/],
  ['sentinel without sentinels', { backend: 'redis', mode: 'sentinel', name: 'm' }, 'sentinels', /list of sentinels/],
  ['cluster without nodes', { backend: 'redis', mode: 'cluster' }, 'nodes', /seed nodes/],
  ['cluster with db', { backend: 'redis', mode: 'cluster', nodes: [{ host: 'a' }], db: 2 }, 'db', /only db 0/],
  ['nodes outside cluster', { backend: 'redis', nodes: [{ host: 'a' }] }, 'nodes', /only for mode: cluster/],
  ['port out of range', { backend: 'redis', port: 70000 }, 'port', /.+/],
];

for (const [name, input, path, message] of invalid) {
  test(`store config rejects: ${name}`, () => {
    const r = storeConfigSchema.safeParse(input);
    assert.equal(r.success, false);
    const issue = r.error!.issues.find((i) => i.path.join('.') === path || (path === '' && i.path.length === 0));
    assert.ok(issue, `expected an issue at "${path}", got ${JSON.stringify(r.error!.issues)}`);
    assert.match(issue.message + JSON.stringify(issue), message);
  });
}
