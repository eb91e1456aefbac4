// Shared state: two daemons' SMTP fronts on one Redis see one greylist and one whitelist, so a retry landing on the other MX host passes.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startDaemon, type RunningDaemon } from '../support/daemon.ts';
import { startPostfix, TEST_DOMAIN, type RunningPostfix, type SwaksResult } from '../support/postfix.ts';
import { deleteKeysUnder } from '../support/redis-keys.ts';

const PASS_TIME_S = 2;
const CLIENT = '127.0.0.6';
const prefix = `winnow-test:front-${process.pid}-${randomBytes(4).toString('hex')}:`;

let postfix: RunningPostfix;
const daemons: { d: RunningDaemon; port: number }[] = [];
const admin = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
admin.on('error', () => undefined);

before(async () => {
  try {
    await admin.connect();
    await admin.ping();
  } catch (err) {
    throw new Error('Redis at 127.0.0.1:6379 is not answering: the shared-state test needs a real server and does not skip', { cause: err });
  }
  postfix = await startPostfix({ proxyProtocol: true });
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const d = await startDaemon({
      workers: 1,
      config: `
store: { backend: redis, host: 127.0.0.1, port: 6379, prefix: '${prefix}' }
smtp_front: { listen: ['127.0.0.1:${port}'], upstream: 127.0.0.1:${postfix.proxyPort}, hostname: mx${i + 1}.winnow-test.invalid, stutter_delay_ms: 0 }
checks:
  spamd: { pass_time: ${PASS_TIME_S}s }
`,
    });
    daemons.push({ d, port });
  }
});

after(async () => {
  for (const { d } of daemons) await d.stop();
  await postfix?.stop();
  await deleteKeysUnder(admin, prefix);
  admin.disconnect();
});

function swaks(port: number): Promise<SwaksResult> {
  return postfix.sendWithSwaks({ port, localInterface: CLIENT, from: 'alice@sender.example', to: `bob@${TEST_DOMAIN}`, helo: 'mail.sender.example', body: 'shared state' });
}

const replies = (t: SwaksResult) => t.transcript.split('\n').filter((l) => /^<(-|\*\*) /.test(l)).map((l) => l.slice(4).trim());

test('greylisted on mx1, the retry on mx2 passes and is delivered; mx1 then knows the client is white', async () => {
  const [mx1, mx2] = daemons;
  const first = await swaks(mx1.port);
  assert.ok(replies(first).includes('451 Temporary failure, please try again later.'), first.transcript);
  assert.match(replies(first)[0], /^220 mx1\.winnow-test\.invalid /);

  await sleep(PASS_TIME_S * 1000 + 500);
  const retry = await swaks(mx2.port);
  assert.equal(retry.code, 0, retry.transcript);
  assert.match(replies(retry)[0], /^220 mx2\.winnow-test\.invalid /, 'mx2 answered first, then handed over');
  const [msg] = await postfix.waitForDelivery(1);
  assert.match(msg.raw, /shared state/);

  const later = await swaks(mx1.port);
  assert.equal(later.code, 0, later.transcript);
  assert.match(replies(later)[0], /^220 mx\.winnow-test\.invalid ESMTP Postfix/, 'mx1 passes the client straight to Postfix');
  assert.ok((await admin.keys(`${prefix}*`)).length > 0, 'the state lives in Redis under the test prefix');
});
