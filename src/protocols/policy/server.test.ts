// The policy server over a real loopback socket, with a real engine and a small test check deciding by sender.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCheck } from '../../core/check.ts';
import { Scanner } from '../../core/scanner.ts';
import { testContext, testEngine } from '../../core/testing.ts';
import { WinnowError } from '../../errors.ts';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import type { Store } from '../../storage/store.ts';
import { FailSafe } from './fail-safe.ts';
import { MAX_LINE_BYTES } from './framing.ts';
import type { FailAction } from './reply.ts';
import { createPolicyServer, drainPolicyServer, type PolicyServerOptions } from './server.ts';
import { PolicyClient } from './test-client.ts';

/** Lets a test take the "store" down and bring it back. */
const outage = { down: false };

function flakyStore(): Store {
  const real = createMemoryStore();
  const greylist = Object.create(real.greylist) as Store['greylist'];
  greylist.seen = async (...args) => {
    if (outage.down) throw new WinnowError('ERR_STORE_UNAVAILABLE', 'store unreachable (test outage)');
    return real.greylist.seen(...args);
  };
  return { ...real, greylist };
}

/** Decides by the sender's local part, then touches the store like a greylisting check would. */
const byLocalPart = defineCheck({
  name: 'policy-test',
  description: 'test-only verdicts by sender local part',
  phase: 'filter',
  timeoutMs: 1000,
  symbols: { POLICY_TEST_HIT: { weight: 1, description: 'test' } },
  async run(task) {
    const r = task.request;
    const local = (r.mailFrom ?? '').split('@')[0];
    const delay = /^slow(\d+)/.exec(local);
    if (delay) await sleep(Number(delay[1]), undefined, { signal: task.signal }).catch(() => undefined);
    if (local === 'hang') await new Promise(() => undefined);
    if (local === 'reject') task.force('reject', '554 5.7.1 You are blocked');
    if (local === 'grey') task.force('greylist', 'Greylisted, come back later');
    if (local === 'soft') task.force('soft reject');
    if (local === 'header') task.addHeader('X-Policy-Test', `seen ${r.rcptTo[0]}`);
    task.hit('POLICY_TEST_HIT', [local]);
    // Last, so that a store outage leaves the verdicts above in place: a reject must still stand.
    await task.ctx.store.greylist.seen(`${r.clientIp}/${r.mailFrom}/${r.rcptTo[0]}`, Date.now(), 60_000);
  },
});

interface Harness {
  server: Server;
  port: number;
  log: MemoryLogger;
  client(): Promise<PolicyClient>;
  close(): Promise<void>;
}

async function start(opts: Partial<PolicyServerOptions> & { failAction?: FailAction } = {}): Promise<Harness> {
  const log = new MemoryLogger();
  const ctx = testContext({ store: flakyStore(), log });
  const engine = await testEngine([byLocalPart], { ctx });
  const scanner = new Scanner(engine, ctx);
  const server = createPolicyServer({
    scanner,
    log,
    failSafe: new FailSafe(opts.failAction ?? 'DUNNO', log),
    protocolStates: ['RCPT'],
    ...opts,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const clients: PolicyClient[] = [];
  return {
    server,
    port,
    log,
    async client() {
      const c = await PolicyClient.open({ host: '127.0.0.1', port });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.socket.destroy();
      await drainPolicyServer(server, 1000);
      await engine.close();
    },
  };
}

function req(sender: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    request: 'smtpd_access_policy',
    protocol_state: 'RCPT',
    client_address: '192.0.2.1',
    client_name: 'unknown',
    helo_name: 'client.example',
    sender,
    recipient: 'rcpt@example.org',
    ...extra,
  };
}

test('verdicts map to access(5) actions', async () => {
  const h = await start();
  try {
    const c = await h.client();
    assert.equal(await c.ask(req('clean@example.com')), 'DUNNO');
    assert.equal(await c.ask(req('reject@example.com')), '554 5.7.1 You are blocked');
    assert.equal(await c.ask(req('grey@example.com')), 'DEFER_IF_PERMIT 4.7.1 Greylisted, come back later');
    assert.equal(await c.ask(req('soft@example.com')), 'DEFER 4.7.1 Try again later');
    assert.equal(await c.ask(req('header@example.com')), 'PREPEND X-Policy-Test: seen rcpt@example.org');
  } finally {
    await h.close();
  }
});

test('PREPEND once per transaction (instance): a second recipient gets DUNNO even though the value differs', async () => {
  const h = await start();
  try {
    const c = await h.client();
    const inTx = (rcpt: string, instance: string) => req('header@example.com', { recipient: rcpt, instance });
    assert.equal(await c.ask(inTx('a@example.org', 'tx1')), 'PREPEND X-Policy-Test: seen a@example.org');
    assert.equal(await c.ask(inTx('b@example.org', 'tx1')), 'DUNNO');
    assert.equal(await c.ask(inTx('b@example.org', 'tx2')), 'PREPEND X-Policy-Test: seen b@example.org', 'a new transaction');
    assert.equal(await c.ask(req('header@example.com')), 'PREPEND X-Policy-Test: seen rcpt@example.org', 'no instance: no dedupe');
    assert.equal(await c.ask(req('header@example.com')), 'PREPEND X-Policy-Test: seen rcpt@example.org');
  } finally {
    await h.close();
  }
});

test('unknown attributes are ignored; incomplete requests get DUNNO and a log line, and the connection stays usable', async () => {
  const h = await start();
  try {
    const c = await h.client();
    assert.equal(await c.ask(req('reject@example.com', { future_attribute: 'x', tls_sni: 'mx' })), '554 5.7.1 You are blocked');
    const missing = req('reject@example.com');
    delete (missing as Partial<typeof missing>).client_address;
    assert.equal(await c.ask(missing), 'DUNNO');
    assert.equal(await c.ask({ request: 'something_else' }), 'DUNNO');
    assert.equal(await c.ask(req('reject@example.com', { client_address: 'not-an-ip' })), 'DUNNO');
    const warned = h.log.records.filter((r) => r.msg.startsWith('incomplete policy request'));
    assert.deepEqual(warned.map((r) => r.fields.reason), ['missing client_address', "request is 'something_else', not smtpd_access_policy", "invalid client_address 'not-an-ip'"]);
    assert.equal(await c.ask(req('reject@example.com')), '554 5.7.1 You are blocked');
  } finally {
    await h.close();
  }
});

test('states not configured are answered DUNNO without a scan', async () => {
  const h = await start({ protocolStates: ['DATA'] });
  try {
    const c = await h.client();
    assert.equal(await c.ask(req('reject@example.com')), 'DUNNO', 'RCPT is not scanned here');
    assert.equal(await c.ask(req('reject@example.com', { protocol_state: 'DATA' })), '554 5.7.1 You are blocked');
    assert.equal(await c.ask(req('reject@example.com', { protocol_state: 'CONNECT', sender: '', recipient: '' })), 'DUNNO');
  } finally {
    await h.close();
  }
});

test('pipelined requests are answered in order even when an earlier scan is slower', async () => {
  const h = await start();
  try {
    const c = await h.client();
    c.write(
      [req('slow150@example.com'), req('reject@example.com'), req('slow50@example.com'), req('grey@example.com')]
        .map((a) => Object.entries(a).map(([k, v]) => `${k}=${v}\n`).join('') + '\n')
        .join(''),
    );
    assert.deepEqual([await c.next(), await c.next(), await c.next(), await c.next()], [
      'DUNNO',
      '554 5.7.1 You are blocked',
      'DUNNO',
      'DEFER_IF_PERMIT 4.7.1 Greylisted, come back later',
    ]);
  } finally {
    await h.close();
  }
});

test('100 requests on one persistent connection', async () => {
  const h = await start();
  try {
    const c = await h.client();
    for (let i = 0; i < 100; i++) {
      const sender = i % 10 === 0 ? 'reject@example.com' : `user${i}@example.com`;
      assert.equal(await c.ask(req(sender)), i % 10 === 0 ? '554 5.7.1 You are blocked' : 'DUNNO', `request ${i}`);
    }
  } finally {
    await h.close();
  }
});

test('a line over the size limit closes the connection with one log line and no reply', async () => {
  const h = await start();
  try {
    const c = await h.client();
    assert.equal(await c.ask(req('clean@example.com')), 'DUNNO');
    c.write(`request=smtpd_access_policy\nsender=${'a'.repeat(MAX_LINE_BYTES)}\n\n`);
    assert.equal(await c.next(), '(connection closed)');
    assert.equal(h.log.records.filter((r) => r.msg.includes('broke the protocol')).length, 1);
    assert.equal(h.log.records.find((r) => r.msg.includes('broke the protocol'))?.fields.reason, 'line too long');
  } finally {
    await h.close();
  }
});

test('an idle connection is closed after the idle timeout; a busy one is not', async () => {
  const h = await start({ idleTimeoutMs: 150 });
  try {
    const idle = await h.client();
    const busy = await h.client();
    const reply = busy.ask(req('slow400@example.com'));
    const t0 = Date.now();
    await idle.closed;
    assert.ok(Date.now() - t0 < 1000, 'idle connection closed promptly');
    assert.equal(await reply, 'DUNNO', 'a scan longer than the idle timeout still gets its answer');
  } finally {
    await h.close();
  }
});

test('store down: fail-safe DUNNO, logged once per incident; recovery logged once', async () => {
  const h = await start();
  try {
    const c = await h.client();
    outage.down = true;
    for (let i = 0; i < 20; i++) assert.equal(await c.ask(req('reject@example.com')), '554 5.7.1 You are blocked', 'a reject still stands');
    for (let i = 0; i < 20; i++) assert.equal(await c.ask(req(`user${i}@example.com`)), 'DUNNO');
    outage.down = false;
    assert.equal(await c.ask(req('clean@example.com')), 'DUNNO');
    outage.down = true;
    assert.equal(await c.ask(req('clean@example.com')), 'DUNNO');
    const opened = h.log.records.filter((r) => r.msg.startsWith('checks failed during policy scans'));
    const closedIncidents = h.log.records.filter((r) => r.msg.includes('fail-safe incident over'));
    assert.equal(opened.length, 2, 'two incidents, one line each');
    assert.deepEqual(opened[0].fields.checks, ['POLICY_TEST_CHECK_FAIL']);
    assert.equal(closedIncidents.length, 1);
    assert.equal(closedIncidents[0].fields.failedRequests, 40);
  } finally {
    outage.down = false;
    await h.close();
  }
});

test('store down with fail_action DEFER: accepting answers become DEFER, rejects stand', async () => {
  const h = await start({ failAction: 'DEFER' });
  try {
    const c = await h.client();
    outage.down = true;
    assert.equal(await c.ask(req('clean@example.com')), 'DEFER 4.7.1 Try again later');
    assert.equal(await c.ask(req('reject@example.com')), '554 5.7.1 You are blocked');
    outage.down = false;
    assert.equal(await c.ask(req('clean@example.com')), 'DUNNO');
  } finally {
    outage.down = false;
    await h.close();
  }
});

test('a scan over the timeout gets the fail-safe action, logged once', async () => {
  const h = await start({ scanTimeoutMs: 100, failAction: 'DEFER' });
  try {
    const c = await h.client();
    assert.equal(await c.ask(req('hang@example.com')), 'DEFER 4.7.1 Try again later');
    assert.equal(await c.ask(req('hang@example.com')), 'DEFER 4.7.1 Try again later');
    assert.equal(h.log.records.filter((r) => r.msg.startsWith('policy scan failed')).length, 1);
    assert.match(String(h.log.records.find((r) => r.msg.startsWith('policy scan failed'))?.fields.reason), /timed out after 100 ms/);
  } finally {
    await h.close();
  }
});

test('drain: in-flight and newly arriving requests are answered, then connections close; idle ones close at once', async () => {
  const h = await start();
  const busy = await h.client();
  const idle = await h.client();
  const late = await h.client();
  late.write('request=smtpd_access_policy\nprotocol_state=RCPT\n'); // a request half sent when the drain starts
  await sleep(20);
  const first = busy.ask(req('slow200@example.com'));
  await sleep(20);
  const drained = drainPolicyServer(h.server, 5000);
  await idle.closed;
  busy.send(req('reject@example.com')); // arrives after the drain started, on an open connection
  late.write('client_address=192.0.2.9\nsender=reject@example.com\nrecipient=r@example.org\n\n');
  assert.equal(await first, 'DUNNO');
  assert.equal(await busy.next(), '554 5.7.1 You are blocked');
  assert.equal(await late.next(), '554 5.7.1 You are blocked');
  await Promise.all([busy.closed, late.closed, drained]);
  await h.close();
});

test('a unix socket listener speaks the same protocol', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-policy-sock-'));
  const log = new MemoryLogger();
  const ctx = testContext({ store: flakyStore(), log });
  const engine = await testEngine([byLocalPart], { ctx });
  const server = createPolicyServer({ scanner: new Scanner(engine, ctx), log, failSafe: new FailSafe('DUNNO', log), protocolStates: ['RCPT'] });
  const path = join(dir, 'policy.sock');
  await new Promise<void>((resolve) => server.listen(path, resolve));
  try {
    const c = await PolicyClient.open({ path });
    assert.equal(await c.ask(req('reject@example.com')), '554 5.7.1 You are blocked');
    c.close();
  } finally {
    await drainPolicyServer(server, 1000);
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
