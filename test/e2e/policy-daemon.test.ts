// The real daemon's policy listener: TCP and unix socket side by side, and a prompt, clean shutdown with Postfix-style idle connections open.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDaemon } from '../support/daemon.ts';
import { PolicyClient } from '../../src/protocols/policy/test-client.ts';

/** Idle policy connections must not hold a shutdown until the worker's 10 s grace runs out. */
const PROMPT_SHUTDOWN_MS = 5_000;

const request = (sender: string) => ({
  request: 'smtpd_access_policy',
  protocol_state: 'RCPT',
  client_address: '192.0.2.20',
  client_name: 'unknown',
  helo_name: 'client.example',
  sender,
  recipient: 'someone@example.org',
});

test('policy over TCP and a unix socket; SIGTERM closes idle connections and exits promptly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-policy-daemon-'));
  const map = join(dir, 'reject.map');
  writeFileSync(map, 'blocked@example.com\n');
  const port = await freePort();
  const sock = join(dir, 'policy.sock');
  const d = await startDaemon({
    config: `
policy: { listen: ['127.0.0.1:${port}', ${JSON.stringify(sock)}], settings_id: maps_only }
settings: { maps_only: { checks_enabled: [multimap] } }
checks:
  multimap:
    maps:
      - { symbol: T_BLOCKED, type: email, target: mail_from, source: ${JSON.stringify(map)}, weight: 0, action: reject, message: 'Blocked sender' }
`,
  });
  try {
    const ready = d.logs.find((l) => /ready:/.test(String(l.msg)))!;
    assert.match(String(ready.msg), new RegExp(`policy 127\\.0\\.0\\.1:${port}`));
    const tcp = await PolicyClient.open({ host: '127.0.0.1', port });
    const unix = await PolicyClient.open({ path: sock });
    assert.equal(await tcp.ask(request('blocked@example.com')), 'REJECT 5.7.1 Blocked sender');
    assert.equal(await unix.ask(request('blocked@example.com')), 'REJECT 5.7.1 Blocked sender');
    assert.equal(await tcp.ask(request('fine@example.com')), 'DUNNO');
    const t0 = Date.now();
    assert.equal(await d.stop(), 0);
    assert.ok(Date.now() - t0 < PROMPT_SHUTDOWN_MS, `stopped in ${Date.now() - t0} ms`);
    await Promise.all([tcp.closed, unix.closed]);
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
