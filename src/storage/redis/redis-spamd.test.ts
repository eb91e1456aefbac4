// Redis-only checks of the SpamdStore layout against the real server at 127.0.0.1:6379: every key under the prefix and one hash tag, TTLs on entries.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { storeConfigSchema } from '../config.ts';
import { openRedisStore } from './redis-store.ts';
import { keysUnder } from '../../../test/support/redis-keys.ts';

const prefix = `winnow-test:spamd-${process.pid}-${randomBytes(4).toString('hex')}:`;
const admin = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 0, connectTimeout: 2000 });
admin.on('error', () => {});
const HOUR = 3_600_000;

async function keysUnderPrefix(): Promise<string[]> {
  return keysUnder(admin, prefix);
}

after(async () => {
  const keys = await keysUnderPrefix().catch(() => []);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

test('spamd keys live under the prefix in one {spamd} hash tag; entries expire by TTL on the caller clock', async () => {
  const cfg = storeConfigSchema.parse({ backend: 'redis', host: '127.0.0.1', port: 6379, prefix, connect_timeout_ms: 2000 });
  if (cfg.backend !== 'redis') throw new Error('unreachable');
  const store = await openRedisStore(cfg, { historySize: 10, maxTokens: 100, maxWeightBuckets: 100 });
  try {
    // A caller clock far from the server's: TTLs must follow expiresAt - now, not the server's time.
    const now = Date.UTC(2024, 2, 1);
    await store.spamd.seeTuple({ ip: '192.0.2.1', helo: 'h', from: '<a@b.example>', to: '<c@d.example>' }, now, {
      passTimeMs: HOUR,
      greyExpMs: 4 * HOUR,
      whiteExpMs: 100 * HOUR,
    });
    await store.spamd.addWhite('192.0.2.2', now, 10 * HOUR);
    await store.spamd.trap('192.0.2.3', now, 24 * HOUR);
    await store.spamd.addSpamtrap('trap@example.org');
    await store.spamd.expectReply('x@remote.example', 'me@local.example', now, 2 * HOUR);
    const keys = await keysUnderPrefix();
    assert.deepEqual(
      keys.map((k) => k.slice(prefix.length)),
      [
        '{spamd}:exp:grey',
        '{spamd}:exp:trapped',
        '{spamd}:exp:white',
        '{spamd}:g:192.0.2.1\nh\n<a@b.example>\n<c@d.example>',
        '{spamd}:idx:grey',
        '{spamd}:idx:trapped',
        '{spamd}:idx:white',
        '{spamd}:r:x@remote.example\nme@local.example',
        '{spamd}:spamtraps',
        '{spamd}:t:192.0.2.3',
        '{spamd}:w:192.0.2.2',
      ],
    );
    const ttl = async (k: string) => admin.pttl(`${prefix}{spamd}:${k}`);
    const near = (got: number, want: number) => assert.ok(got > want - 60_000 && got <= want, `pttl ${got} should be about ${want}`);
    near(await ttl('g:192.0.2.1\nh\n<a@b.example>\n<c@d.example>'), 4 * HOUR);
    near(await ttl('w:192.0.2.2'), 10 * HOUR);
    near(await ttl('t:192.0.2.3'), 24 * HOUR);
    near(await ttl('r:x@remote.example\nme@local.example'), 2 * HOUR);
    assert.equal(await ttl('spamtraps'), -1, 'SPAMTRAP never expires');
    // Deleting every entry leaves no entry key behind.
    await store.spamd.delete('grey', '192.0.2.1');
    await store.spamd.delete('white', '192.0.2.2');
    await store.spamd.delete('trapped', '192.0.2.3');
    const left = (await keysUnderPrefix()).map((k) => k.slice(prefix.length));
    assert.deepEqual(left.filter((k) => /^\{spamd\}:[gwt]:/.test(k)), []);
  } finally {
    await store.close();
  }
});
