// The real daemon's milter listener: TCP and unix socket side by side, verdicts and headers from the built-in checks, prompt shutdown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDaemon } from '../support/daemon.ts';
import { MilterClient, type EobAnswer } from '../../src/protocols/milter/test-client.ts';
import { GTUBE, tx } from '../../src/protocols/milter/test-support.ts';

/** Idle milter connections must not hold a shutdown until the worker's 10 s grace runs out. */
const PROMPT_SHUTDOWN_MS = 5_000;

const added = (a: EobAnswer, name: string) => a.modifications.filter((m) => m.type === 'addheader' && m.name === name).map((m) => (m as { value: string }).value);

test('milter over TCP and a unix socket: clean → accept with X-Spam-Status, GTUBE → 550, forged X-Spam removed; SIGTERM is prompt', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-milter-daemon-'));
  const port = await freePort();
  const sock = join(dir, 'milter.sock');
  const d = await startDaemon({ config: `milter: { listen: ['127.0.0.1:${port}', ${JSON.stringify(sock)}], reject_message: 'Go away' }\n` });
  try {
    const ready = d.logs.find((l) => /ready:/.test(String(l.msg)))!;
    assert.match(String(ready.msg), new RegExp(`milter 127\\.0\\.0\\.1:${port}`));
    const tcp = await MilterClient.session({ host: '127.0.0.1', port }, '192.0.2.20');
    const unix = await MilterClient.session({ path: sock }, '2001:db8::20');

    const clean = await tcp.transaction(tx('alice@example.com', [['X-Spam', 'No']]));
    assert.deepEqual(clean.final, { type: 'accept' });
    assert.deepEqual(clean.modifications.filter((m) => m.type === 'chgheader'), [{ type: 'chgheader', index: 1, name: 'X-Spam', value: '' }]);
    assert.equal(added(clean, 'X-Spam-Status').length, 1);
    assert.match(added(clean, 'X-Spam-Status')[0], /^No, score=-?\d+\.\d\d required=15\.00$/);
    assert.deepEqual(added(clean, 'X-Spam'), []);

    const gtube = await unix.transaction(tx('alice@example.com', [], `${GTUBE}\r\n`));
    assert.deepEqual(gtube.final, { type: 'replycode', text: '550 5.7.1 Gtube pattern' });
    // A second message on the same connection.
    assert.equal((await unix.transaction(tx('carol@example.com'))).final.type, 'accept');

    // A broken client is cut with one log line; the daemon goes on.
    const bad = await MilterClient.session({ host: '127.0.0.1', port });
    bad.write(Buffer.alloc(4));
    await bad.closed;
    await d.waitForLog(/milter client broke the protocol/);
    assert.equal((await tcp.transaction(tx('dave@example.com'))).final.type, 'accept');

    const t0 = Date.now();
    assert.equal(await d.stop(), 0);
    assert.ok(Date.now() - t0 < PROMPT_SHUTDOWN_MS, `stopped in ${Date.now() - t0} ms`);
    await Promise.all([tcp.closed, unix.closed]);
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
