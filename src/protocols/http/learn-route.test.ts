// Tests for the controller's /learnspam and /learnham over loopback HTTP with a memory store: rspamd's replies, counters and /stat statfiles.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createBayesService } from '../../classifier/bayes-service.ts';
import { testMail } from '../../classifier/test-mail.ts';
import { ScanRecorder } from '../../core/scan-recorder.ts';
import { Scanner } from '../../core/scanner.ts';
import { testContext, testEngine } from '../../core/testing.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import { createControllerHandler, type ControllerDeps } from './controller-handler.ts';
import { closeServer, listen } from './listen.ts';
import type { Server } from 'node:http';

let url = '';
let noBayesUrl = '';
const servers: Server[] = [];
const store = createMemoryStore();

before(async () => {
  const ctx = testContext({ store });
  const engine = await testEngine([], { ctx });
  const deps: ControllerDeps = {
    scanner: new Scanner(engine, ctx),
    store,
    log: ctx.log,
    recorder: new ScanRecorder(store, ctx.log),
    maxMessageBytes: 1024 * 1024,
    auth: { secureIp: ['127.0.0.1/32'] },
    bayes: createBayesService(store, { minLearns: 2 }),
  };
  for (const d of [deps, { ...deps, bayes: undefined }]) {
    const { server, address } = await listen(createControllerHandler(d), { host: '127.0.0.1', port: 0 });
    servers.push(server);
    if (url === '') url = `http://127.0.0.1:${address.port}`;
    else noBayesUrl = `http://127.0.0.1:${address.port}`;
  }
});
after(async () => {
  await Promise.all(servers.map((s) => closeServer(s, 1000)));
});

/** Raw status line reason too (fetch hides it). */
function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; reason: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('learnspam / learnham answer {"success":true} and count learned', async () => {
  assert.deepEqual(await post('/learnspam', testMail('spam', 1)), { status: 200, reason: 'OK', body: '{"success":true}' });
  assert.equal((await post('/learnham', testMail('ham', 1))).status, 200);
  const stat = (await (await fetch(`${url}/stat`)).json()) as Record<string, any>;
  assert.equal(stat.learned, 2);
  assert.equal(stat.total_learns, 2);
  assert.deepEqual(
    stat.statfiles.map((f: Record<string, unknown>) => [f.symbol, f.revision, f.type, f.users]),
    [
      ['BAYES_SPAM', 1, 'memory', 1],
      ['BAYES_HAM', 1, 'memory', 1],
    ],
  );
  assert.ok(stat.statfiles[0].used > 0);
  const counters = await store.counters.getAll();
  assert.equal(counters['learned:spam'], 1);
  assert.equal(counters['learned:ham'], 1);
});

test('the same message again → 208 with rspamd\'s text; as the other class it is moved', async () => {
  await post('/learnspam', testMail('spam', 2));
  const again = await post('/learnspam', testMail('spam', 2));
  assert.equal(again.status, 208);
  assert.deepEqual(JSON.parse(again.body), { error: '<spam-2@mailer.example.com> has been already learned as spam, ignore it' });
  assert.equal((await post('/learnham', testMail('spam', 2))).status, 200);
});

test('too few tokens → 204 with the reason in the status line', async () => {
  const r = await post('/learnspam', 'Subject: hi\r\nMessage-ID: <short@example.org>\r\n\r\nok\r\n');
  assert.equal(r.status, 204);
  assert.match(r.reason, /^<short@example\.org> contains less tokens than required for bayes classifier: \d < 10$/);
  assert.equal(r.body, '');
});

test('bad requests: GET, empty body, unknown classifier; no classifier at all → 501', async () => {
  assert.equal((await fetch(`${url}/learnspam`)).status, 405);
  assert.equal((await post('/learnspam', '')).status, 400);
  assert.equal((await post('/learnspam', testMail('spam', 3), { Classifier: 'neural' })).status, 404);
  assert.equal((await post('/learnspam', testMail('spam', 3), { Classifier: 'bayes' })).status, 200);
  const r = await fetch(`${noBayesUrl}/learnspam`, { method: 'POST', body: testMail('spam', 4) });
  assert.equal(r.status, 501);
  const stat = (await (await fetch(`${noBayesUrl}/stat`)).json()) as Record<string, unknown>;
  assert.deepEqual(stat.statfiles, []);
});
