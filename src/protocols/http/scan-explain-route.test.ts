// Tests for POST /api/scan: the checkv2 fields with the explanation merged in, fresh Bayes evidence, and refused uploads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBayesService } from '../../classifier/bayes-service.ts';
import { testMail } from '../../classifier/test-mail.ts';
import { parseMessage } from '../../mime/parse.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import { startTestController, uiMessage, type TestController } from './controller-testing.ts';

let c: TestController;
let withBayes: TestController;
before(async () => {
  c = await startTestController({ auth: { secureIp: ['127.0.0.1/32'] } });
  const bayesStore = createMemoryStore();
  const bayes = createBayesService(bayesStore, { minLearns: 2 });
  for (let i = 0; i < 6; i++) {
    await bayes.learn(await parseMessage(new TextEncoder().encode(testMail('spam', i))), 'spam');
    await bayes.learn(await parseMessage(new TextEncoder().encode(testMail('ham', i))), 'ham');
  }
  withBayes = await startTestController({ auth: { secureIp: ['127.0.0.1/32'] }, bayes });
});
after(async () => {
  await c.close();
  await withBayes.close();
});

test('a pasted message: verdict fields plus symbols with details and what-if lines', async () => {
  const res = await fetch(`${c.url}/api/scan`, { method: 'POST', body: uiMessage('Pasted', 'SPAMMY'), headers: { IP: '192.0.2.5' } });
  assert.equal(res.status, 200);
  const r = (await res.json()) as Record<string, any>;
  assert.equal(r.action, 'add header');
  assert.equal(r.score, 7);
  assert.equal(r.required_score, 15);
  assert.equal(r['message-id'], 'Pasted@example.org');
  assert.ok(Array.isArray(r.symbols));
  assert.deepEqual(r.symbols[0], { name: 'UI_SPAMMY', score: 7, options: ['spammy'], weight: 7, group: 'probe', description: 'Body says SPAMMY' });
  assert.deepEqual(r.whatIf.map((w: { action: string }) => w.action), ['reject', 'add header', 'greylist']);
  assert.equal(r.forced, false);
  assert.equal(r.bayes, null, 'no classifier configured');
});

test('a forced action is explained as forced', async () => {
  const r = (await (await fetch(`${c.url}/api/scan`, { method: 'POST', body: uiMessage('Forced', 'FORCE-REJECT') })).json()) as Record<string, any>;
  assert.equal(r.action, 'reject');
  assert.equal(r.forced, true);
  assert.equal(r.forcedBy, 'ui-probe');
  assert.match(r.whatIf[0].text, /forced by ui-probe/);
});

test('with a trained classifier the explanation carries the probability and the strongest tokens', async () => {
  const r = (await (await fetch(`${withBayes.url}/api/scan`, { method: 'POST', body: testMail('spam', 99) })).json()) as Record<string, any>;
  assert.ok(r.bayes, 'bayes evidence present');
  assert.ok(r.bayes.probability > 0.5, `spam-like test mail scores spammy (${r.bayes.probability})`);
  assert.ok(r.bayes.tokens.length > 0);
  assert.ok(r.bayes.tokens[0].weight > 0, 'the strongest push is toward spam');
  assert.ok(r.bayes.tokens.every((t: { token: string; weight: number }) => typeof t.token === 'string' && Number.isFinite(t.weight)));
});

test('an empty upload is 400 with a code and the field; a wrong method is 405; a huge one is 413', async () => {
  const empty = await fetch(`${c.url}/api/scan`, { method: 'POST', body: '' });
  assert.equal(empty.status, 400);
  assert.deepEqual(await empty.json(), { error: { code: 'ERR_EMPTY_MESSAGE', message: 'no message: paste or upload one as the request body', field: 'message' } });
  assert.equal((await fetch(`${c.url}/api/scan`)).status, 405);
  const huge = await fetch(`${c.url}/api/scan`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 10) }).catch(() => undefined);
  if (huge) {
    assert.equal(huge.status, 413);
    assert.equal(((await huge.json()) as { error: { code: string } }).error.code, 'ERR_TOO_LARGE');
  }
  const garbage = await fetch(`${c.url}/api/scan`, { method: 'POST', body: new Uint8Array([0, 255, 254, 10, 13, 0]) });
  assert.equal(garbage.status, 200, 'binary junk is scanned best-effort, like on the scan port');
});
