// Real-socket tests of the SMTP front: greylisting, replay-and-splice, pass-through with PROXY headers, tarpit, traps, limits, bad input, TLS.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { ScanRecorder } from '../../core/scan-recorder.ts';
import { Scanner } from '../../core/scanner.ts';
import { testContext, testEngine } from '../../core/testing.ts';
import { spamdCheck } from '../../checks/spamd/index.ts';
import type { MemoryLogger } from '../../log/memory-logger.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import type { Store } from '../../storage/store.ts';
import { smtpFrontSchema } from './config.ts';
import { MAX_BAD_COMMANDS, REPLY } from './dialogue.ts';
import { smtpFrontFactory, type SmtpFrontFactory } from './from-config.ts';
import { FrontClient } from './test-client.ts';
import { startTestMta, type TestMta } from './test-mta.ts';
import { hasIpv6Loopback } from '../../../test/support/postfix.ts';

interface Front {
  port: number;
  store: Store;
  log: MemoryLogger;
  mta: TestMta;
  factory: SmtpFrontFactory;
  server: Server;
  scanner: Scanner;
  close(): Promise<void>;
}

async function startFront(opts: { config?: Record<string, unknown>; spamd?: Record<string, unknown>; mta?: TestMta; host?: string } = {}): Promise<Front> {
  const mta = opts.mta ?? (await startTestMta());
  const store = createMemoryStore();
  const ctx = testContext({ store });
  const engine = await testEngine([spamdCheck], { checks: { spamd: opts.spamd ?? {} }, ctx });
  const scanner = new Scanner(engine, ctx);
  const cfg = smtpFrontSchema.parse({ hostname: 'front.test', upstream: `127.0.0.1:${mta.port}`, stutter_delay_ms: 0, ...opts.config });
  const factory = smtpFrontFactory(cfg, ctx.log, process.cwd());
  const server = factory.create(scanner);
  await new Promise<void>((resolve) => server.listen(0, opts.host ?? '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    store,
    log: ctx.log,
    mta,
    factory,
    server,
    scanner,
    async close() {
      await factory.drain(server);
      await engine.close();
      await mta.close();
    },
  };
}

async function greyUntilData(c: FrontClient, from = 'alice@sender.example', to = 'bob@example.org'): Promise<void> {
  assert.equal((await c.command('EHLO mail.sender.example')).text, REPLY.helo);
  assert.equal((await c.command(`MAIL FROM:<${from}>`)).text, REPLY.mail);
  assert.equal((await c.command(`RCPT TO:<${to}>`)).text, REPLY.rcpt);
}

test('a new client is greylisted: spamd banner and replies, 451 at DATA, tuple stored; the retry after pass_time is handed to the MTA', async () => {
  const f = await startFront({ spamd: { pass_time: '300ms' } });
  try {
    const c = await FrontClient.connect(f.port);
    const banner = await c.reply();
    assert.match(banner.text, /^220 front\.test ESMTP winnow IP-based SPAM blocker; \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/);
    await greyUntilData(c);
    assert.equal((await c.command('DATA')).text, '451 Temporary failure, please try again later.');
    await c.closed;
    const grey = (await f.store.spamd.list({ kind: 'grey' })).items;
    assert.equal(grey.length, 1);
    assert.equal(f.mta.sessions.length, 0, 'the MTA heard nothing of it');

    await sleep(400);
    const r = await FrontClient.connect(f.port);
    await r.reply();
    assert.equal((await r.command('EHLO mail.sender.example')).text, REPLY.helo);
    assert.equal((await r.command('MAIL FROM:<alice@sender.example> SIZE=120')).text, REPLY.mail);
    const handed = await r.command('RCPT TO:<bob@example.org>');
    assert.equal(handed.text, '250 2.1.0 Ok RCPT', 'the MTA answers the RCPT that passed');
    assert.equal((await r.command('DATA')).code, 354);
    r.send('Subject: hello\r\n\r\nbody\r\n.');
    assert.equal((await r.reply()).text, '250 2.0.0 Ok: queued as FAKE1');
    assert.equal((await r.command('QUIT')).code, 221);
    await r.closed;
    const s = f.mta.sessions[0];
    assert.match(s.proxy, /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+$/);
    assert.deepEqual(s.commands.slice(0, 3), ['EHLO mail.sender.example', 'MAIL FROM:<alice@sender.example> SIZE=120', 'RCPT TO:<bob@example.org>']);
    assert.equal(s.data, 'Subject: hello\n\nbody\n');
    assert.ok(await f.store.spamd.white('127.0.0.1', Date.now()));

    // Whitelisted now: the next connection is spliced from its first byte and sees the MTA's own banner.
    const w = await FrontClient.connect(f.port);
    assert.equal((await w.reply()).text, '220 mta.test ESMTP fake');
    assert.equal((await w.command('EHLO x.example')).lines[0], '250-mta.test');
    w.close();
  } finally {
    await f.close();
  }
});

test('replay refused by the MTA on an earlier RCPT: the client is told 421 and must retry the whole message', async () => {
  const f = await startFront({ spamd: { pass_time: '200ms' } });
  try {
    const first = await FrontClient.connect(f.port);
    await first.reply();
    await first.command('HELO a.example');
    await first.command('MAIL FROM:<a@a.example>');
    await first.command('RCPT TO:<gone@example.org>');
    await first.command('QUIT');
    await first.closed;
    await sleep(300);
    f.mta.refuse.add('new@');
    const c = await FrontClient.connect(f.port);
    await c.reply();
    await c.command('HELO a.example');
    await c.command('MAIL FROM:<a@a.example>');
    // A fresh tuple (new recipient) stays grey; the old one passes at the second RCPT, whose replay includes the first.
    assert.equal((await c.command('RCPT TO:<new@example.org>')).text, REPLY.rcpt);
    const r = await c.command('RCPT TO:<gone@example.org>');
    assert.equal(r.text, '421 front.test Temporary failure, please try again later.');
    await c.closed;
    assert.ok(f.log.records.some((l) => /handing a passed client/.test(l.msg) && /RCPT TO:<new@example.org>/.test(String(l.fields.reason))));
  } finally {
    await f.close();
  }
});

test('PROXY v2 header and an unreachable MTA (421) for a whitelisted client', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-front-'));
  writeFileSync(join(dir, 'white.txt'), '127.0.0.1\n');
  const lists = [{ name: 'friends', type: 'white', file: join(dir, 'white.txt') }];
  const f = await startFront({ spamd: { lists }, config: { proxy_protocol: 'v2' } });
  try {
    const c = await FrontClient.connect(f.port);
    assert.equal((await c.reply()).text, '220 mta.test ESMTP fake');
    c.close();
    await sleep(50);
    const hex = f.mta.sessions[0].proxy;
    assert.match(hex, /^v2:0d0a0d0a000d0a515549540a2111000c7f0000017f000001/);
    assert.equal(parseInt(hex.slice(-4), 16), f.port, 'destination port is the front');
  } finally {
    await f.close();
  }
  const down = await startFront({ spamd: { lists }, config: { upstream: '127.0.0.1:1' } });
  try {
    const c = await FrontClient.connect(down.port);
    assert.equal((await c.reply()).text, '421 front.test Service temporarily unavailable, please try again later');
    await c.closed;
  } finally {
    await down.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a blacklisted client is tarpitted: one character per delay, 354, then the list message with 550', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-front-'));
  writeFileSync(join(dir, 'black.txt'), '127.0.0.0/8\n');
  const DELAY = 15;
  const f = await startFront({
    spamd: { lists: [{ name: 'testbl', type: 'black', message: 'Your address %A is on testbl\nGo away', file: join(dir, 'black.txt') }] },
    config: { stutter_delay_ms: DELAY, blacklist_code: 550 },
  });
  try {
    const c = await FrontClient.connect(f.port);
    const banner = await c.reply();
    assert.match(banner.text, /^220 front\.test ESMTP/);
    const chars = c.arrivals.reduce((n, a) => n + a.bytes, 0);
    assert.equal(chars, banner.text.length + 2);
    assert.ok(c.arrivals.length >= chars - 2, `${c.arrivals.length} packets for ${chars} characters: one at a time`);
    const span = c.arrivals.at(-1)!.t - c.arrivals[0].t;
    const perChar = span / (c.arrivals.length - 1);
    assert.ok(perChar >= DELAY * 0.7 && perChar <= DELAY * 2.5, `${perChar.toFixed(1)} ms per character for a ${DELAY} ms delay`);
    assert.equal((await c.command('HELO spam.example', 5000)).text, REPLY.helo);
    assert.equal((await c.command('MAIL FROM:<s@spam.example>', 5000)).text, REPLY.mail);
    assert.equal((await c.command('RCPT TO:<bob@example.org>', 5000)).text, REPLY.rcpt);
    assert.equal((await c.command('DATA', 5000)).text, REPLY.data);
    c.send('Subject: spam\r\n\r\nbuy\r\n.');
    const final = await c.reply(5000);
    assert.deepEqual(final.lines, ['550-Your address 127.0.0.1 is on testbl', '550 Go away']);
    await c.closed;
    assert.equal((await f.store.spamd.list({ kind: 'grey' })).total, 0, 'blacklisted clients record no tuples');
    await sleep(50); // the server side closes just after the client saw the end
    assert.ok(f.log.records.some((l) => l.msg === 'smtp-front: disconnected' && l.fields.mode === 'black' && /SPAMD_BLACK\(testbl\)/.test(String(l.fields.symbols))));
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('above max_black, blacklisted clients are answered without stutter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-front-'));
  writeFileSync(join(dir, 'black.txt'), '127.0.0.1\n');
  const f = await startFront({ spamd: { lists: [{ name: 'bl', type: 'black', file: join(dir, 'black.txt') }] }, config: { stutter_delay_ms: 1000, max_black: 0 } });
  try {
    const c = await FrontClient.connect(f.port);
    const t0 = performance.now();
    await c.reply(500);
    assert.ok(performance.now() - t0 < 500);
    c.close();
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('greytrap: mail to a spamtrap traps the client; its next connection is tarpitted with the trap message', async () => {
  const f = await startFront({ config: { blacklist_code: 450 } });
  try {
    await f.store.spamd.addSpamtrap('trap@example.org');
    const c = await FrontClient.connect(f.port);
    await c.reply();
    await greyUntilData(c, 'spammer@spam.example', 'trap@example.org');
    assert.equal((await c.command('DATA')).code, 451);
    const next = await FrontClient.connect(f.port);
    await next.reply();
    await next.command('HELO x.example');
    await next.command('DATA');
    next.send('.');
    assert.equal((await next.reply()).text, '450 Your address 127.0.0.1 has mailed to spamtraps here');
    next.close();
  } finally {
    await f.close();
  }
});

test('limits: max_per_ip and max_connections refuse with 421 before any work', async () => {
  const f = await startFront({ config: { max_per_ip: 2, max_connections: 3 } });
  try {
    const held = [await FrontClient.connect(f.port), await FrontClient.connect(f.port)];
    for (const h of held) await h.reply();
    const third = await FrontClient.connect(f.port);
    assert.equal((await third.reply()).text, '421 front.test Too many connections from your address, please try again later');
    await third.closed;
    const other = await FrontClient.connect(f.port, '127.0.0.1', '127.0.0.2');
    await other.reply();
    const fourth = await FrontClient.connect(f.port, '127.0.0.1', '127.0.0.3');
    assert.equal((await fourth.reply()).text, '421 front.test Too many connections, please try again later');
    for (const h of [...held, other]) h.close();
    await sleep(50);
    const again = await FrontClient.connect(f.port);
    assert.equal((await again.reply()).code, 220, 'closed connections free their slots');
    again.close();
  } finally {
    await f.close();
  }
});

test('bad input: binary garbage, overlong lines and more than 20 unknown commands drop the client', async () => {
  const f = await startFront();
  try {
    const c = await FrontClient.connect(f.port);
    await c.reply();
    c.socket.write(Buffer.concat([Buffer.alloc(20_000, 0x41), Buffer.from('\r\n')]));
    assert.equal((await c.reply()).text, REPLY.unknown);
    for (let i = 1; i < MAX_BAD_COMMANDS; i++) assert.equal((await c.command('\x00\x01\xfe\xff')).text, REPLY.unknown);
    assert.equal((await c.command('BDAT 1')).text, REPLY.unknown);
    await c.closed;
  } finally {
    await f.close();
  }
});

test('pipelining abuse from a client that never reads is bounded: the connection is dropped, memory stays flat', async () => {
  const f = await startFront({ config: { max_per_ip: 50 } });
  try {
    const c = await FrontClient.connect(f.port);
    c.socket.pause(); // never reads our replies
    const line = Buffer.from('NOOP\r\n'.repeat(10_000));
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100 && !c.socket.destroyed; i++) {
      if (!c.socket.write(line)) await Promise.race([new Promise((r) => c.socket.once('drain', r)), sleep(200)]);
    }
    await Promise.race([c.closed, sleep(5000)]);
    assert.ok(c.socket.destroyed || c.socket.readableEnded || c.socket.writableEnded, 'the front dropped the client');
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 32 * 1024 * 1024, 'no unbounded buffering');
  } finally {
    await f.close();
  }
});

test('idle and half-open clients are dropped after idle_timeout', async () => {
  const f = await startFront({ config: { idle_timeout: '300ms' } });
  try {
    const c = await FrontClient.connect(f.port);
    await c.reply();
    c.send('HELO a.example');
    await c.reply();
    c.socket.end(); // half-open: our side still writable, the client's done
    const t0 = performance.now();
    await c.closed;
    assert.ok(performance.now() - t0 < 3000);
    const silent = await FrontClient.connect(f.port);
    await silent.reply();
    const t1 = performance.now();
    await silent.closed;
    const waited = performance.now() - t1;
    assert.ok(waited >= 250 && waited < 3000, `idle client dropped after ${waited.toFixed(0)} ms`);
  } finally {
    await f.close();
  }
});

test('STARTTLS with a self-signed certificate: offered on EHLO, handshake, dialogue starts over inside TLS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-front-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=front.test'], { stdio: 'ignore' });
  const f = await startFront({ config: { tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } } });
  try {
    const c = await FrontClient.connect(f.port);
    await c.reply();
    assert.deepEqual((await c.command('EHLO a.example')).lines, ['250-Hello, spam sender. Pleased to be wasting your time.', '250 STARTTLS']);
    assert.equal((await c.command('STARTTLS')).text, '220 glad you want to burn more CPU cycles on your spam');
    c.socket.removeAllListeners('data');
    const secure = tlsConnect({ socket: c.socket, rejectUnauthorized: false, servername: 'front.test' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    assert.equal(secure.getPeerCertificate().subject.CN, 'front.test');
    const t = FrontClient.wrap(secure as never);
    assert.equal((await t.command('EHLO a.example')).text, REPLY.helo, 'no STARTTLS offered twice');
    await t.command('MAIL FROM:<a@a.example>');
    assert.equal((await t.command('RCPT TO:<b@example.org>')).text, REPLY.rcpt);
    assert.equal((await t.command('DATA')).code, 451);
    await t.closed;
    assert.equal((await f.store.spamd.list({ kind: 'grey' })).total, 1);
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => smtpFrontFactory(smtpFrontSchema.parse({ tls: { cert: '/nonexistent/c.pem', key: '/nonexistent/k.pem' } }), testContext().log, '/').create({ scan: async () => { throw new Error('unused'); } }), /smtp_front\.tls\.cert: cannot read \/nonexistent\/c\.pem: ENOENT/);
});

test('drain drops held tarpit connections at once', async () => {
  const f = await startFront({ config: { stutter_delay_ms: 1000 } });
  const c = await FrontClient.connect(f.port);
  await sleep(100);
  const t0 = performance.now();
  await f.close();
  await c.closed;
  assert.ok(performance.now() - t0 < 2000);
});

test('IPv6: a client on [::1] is greylisted under its IPv6 address and passed on with a TCP6 PROXY header', { skip: !hasIpv6Loopback() && 'no ::1 on this machine' }, async () => {
  const f = await startFront({ host: '::1', spamd: { pass_time: '200ms' } });
  try {
    const c = await FrontClient.connect(f.port, '::1');
    await c.reply();
    await greyUntilData(c);
    assert.equal((await c.command('DATA')).code, 451);
    const [tuple] = (await f.store.spamd.list({ kind: 'grey' })).items;
    assert.ok(tuple.kind === 'grey' && tuple.ip === '::1');
    await sleep(300);
    const r = await FrontClient.connect(f.port, '::1');
    await r.reply();
    await r.command('EHLO mail.sender.example');
    await r.command('MAIL FROM:<alice@sender.example>');
    assert.equal((await r.command('RCPT TO:<bob@example.org>')).text, '250 2.1.0 Ok RCPT');
    assert.match(f.mta.sessions[0]?.proxy ?? '', /^PROXY TCP6 ::1 ::1 \d+ \d+$/);
    r.close();
  } finally {
    await f.close();
  }
});

test('statistics: connect-stage scans are not recorded; each greylisted RCPT is (one history row, counted once)', async () => {
  const f = await startFront({ config: { grey_stutter_s: 0 } });
  const recorder = new ScanRecorder(f.store, f.log);
  f.scanner.addObserver(recorder);
  try {
    for (let i = 0; i < 3; i++) {
      const idle = await FrontClient.connect(f.port);
      await idle.reply();
      assert.equal((await idle.command('QUIT')).code, 221);
      await idle.closed;
    }
    const c = await FrontClient.connect(f.port);
    await c.reply();
    await greyUntilData(c);
    assert.equal((await c.command('DATA')).code, 451);
    await c.closed;
    await recorder.flush();
    const rows = await f.store.history.recent(100);
    assert.deepEqual(rows.map((r) => [r.rcptSmtp, r.action, Object.keys(r.symbols)]), [[['bob@example.org'], 'greylist', ['SPAMD_GREY']]]);
    assert.deepEqual(await f.store.counters.getAll(), { scanned: 1, 'action:greylist': 1 });
  } finally {
    await f.close();
  }
});
