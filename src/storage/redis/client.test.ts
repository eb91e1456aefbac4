// Which ioredis client each Redis config builds (no server contacted), and how Redis errors map to codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, Redis } from 'ioredis';
import { storeConfigSchema, type RedisStoreConfig } from '../config.ts';
import { createRedisClient, describeTarget, mapRedisError } from './client.ts';

function cfg(input: Record<string, unknown>): RedisStoreConfig {
  const c = storeConfigSchema.parse({ backend: 'redis', ...input });
  if (c.backend !== 'redis') throw new Error('unreachable');
  return c;
}

test('standalone: host/port/db/password and bounded timeouts', () => {
  const c = createRedisClient(cfg({ host: '127.0.0.1', port: 6380, db: 3, password: 'pw', command_timeout_ms: 1500 }));
  assert.ok(c instanceof Redis);
  assert.equal(c.status, 'wait', 'created unconnected');
  const o = c.options;
  assert.deepEqual([o.host, o.port, o.db, o.password, o.commandTimeout, o.connectTimeout, o.maxRetriesPerRequest, o.lazyConnect], [
    '127.0.0.1',
    6380,
    3,
    'pw',
    1500,
    5000,
    1,
    true,
  ]);
  c.disconnect();
});

test('standalone: a URL supplies host, port, db and password', () => {
  const c = createRedisClient(cfg({ url: 'redis://:secret@127.0.0.1:6390/4' }));
  assert.ok(c instanceof Redis);
  const o = c.options;
  assert.deepEqual([o.host, o.port, o.db, o.password], ['127.0.0.1', 6390, 4, 'secret']);
  assert.equal(describeTarget(cfg({ url: 'redis://:secret@127.0.0.1:6390/4' })), 'Redis at redis://***@127.0.0.1:6390/4');
  c.disconnect();
});

test('sentinel: a Redis client resolving the master through the sentinels', () => {
  const c = createRedisClient(
    cfg({
      mode: 'sentinel',
      name: 'mymaster',
      sentinels: [{ host: '127.0.0.1', port: 26379 }, { host: '127.0.0.2' }],
      sentinel_password: 'spw',
      password: 'mpw',
      db: 1,
    }),
  );
  assert.ok(c instanceof Redis);
  const o = c.options;
  assert.deepEqual(o.sentinels, [{ host: '127.0.0.1', port: 26379 }, { host: '127.0.0.2', port: 26379 }]);
  assert.deepEqual([o.name, o.sentinelPassword, o.password, o.db], ['mymaster', 'spw', 'mpw', 1]);
  c.disconnect();
});

test('cluster: a Cluster client with the seed nodes and per-node options', () => {
  const c = createRedisClient(
    cfg({ mode: 'cluster', nodes: [{ host: '127.0.0.1', port: 7000 }, { host: '127.0.0.1', port: 7001 }], password: 'pw' }),
  );
  assert.ok(c instanceof Cluster);
  assert.equal(c.status, 'wait');
  assert.equal(c.options.lazyConnect, true);
  assert.equal(c.options.redisOptions?.password, 'pw');
  assert.equal(c.options.redisOptions?.commandTimeout, 2000);
  assert.deepEqual((c as unknown as { startupNodes: unknown }).startupNodes, [
    { host: '127.0.0.1', port: 7000 },
    { host: '127.0.0.1', port: 7001 },
  ]);
  c.disconnect();
});

function replyError(message: string): Error {
  const e = new Error(message);
  e.name = 'ReplyError';
  return e;
}

const mapping: [string, unknown, string | undefined][] = [
  ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }), 'ERR_STORE_UNAVAILABLE'],
  ['command timeout', new Error('Command timed out'), 'ERR_STORE_UNAVAILABLE'],
  ['closed connection', new Error('Connection is closed.'), 'ERR_STORE_UNAVAILABLE'],
  ['server loading', replyError('LOADING Redis is loading the dataset in memory'), 'ERR_STORE_UNAVAILABLE'],
  ['out of memory', replyError("OOM command not allowed when used memory > 'maxmemory'."), 'ERR_STORE_UNAVAILABLE'],
  ['cluster down', replyError('CLUSTERDOWN The cluster is down'), 'ERR_STORE_UNAVAILABLE'],
  ['script error', replyError('ERR Error running script'), 'ERR_STORE_FAILED'],
  ['wrong type', replyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'ERR_STORE_FAILED'],
  ['not an error', 'weird', undefined],
];

for (const [name, err, code] of mapping) {
  test(`redis error mapping: ${name}`, () => {
    const out = mapRedisError(err) as { code?: string; cause?: unknown };
    assert.equal(out.code, code);
    if (code) assert.equal(out.cause, err);
  });
}
