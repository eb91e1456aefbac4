// End to end: the rspamd-compatible scan port on loopback, driven by the real rspamc 3.4 and by fetch.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { testContext } from '../../src/core/testing.ts';
import { closeServer, listen } from '../../src/protocols/http/listen.ts';
import { createScanHandler } from '../../src/protocols/http/scan-handler.ts';
import { version } from '../../src/version.ts';
import { eml, json, MAX_MESSAGE_BYTES, rspamc, startStack, type Stack } from './http-harness.ts';

/** The GTUBE test string (public SpamAssassin test pattern), split so this file itself does not trip scanners. */
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*' + 'GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

let s: Stack;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.close();
});

describe('scan port with rspamc', () => {
  test('envelope options reach the scan and the verdict prints like rspamd', async () => {
    const msg = await s.file('plain.eml', eml('Hello', 'just saying hi http://www.example.net/page'));
    const r = await rspamc(['-h', s.scan.host, '-i', '192.0.2.1', '-F', 'a@example.com', '-r', 'b@example.org', '-r', 'c@example.org', '--helo', 'mx.example.com', '-u', 'bob', 'symbols', msg]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^Action: no action$/m);
    assert.match(r.stdout, /^Spam: false$/m);
    assert.match(r.stdout, /^Score: 0\.10 \/ 15\.00$/m);
    assert.match(
      r.stdout,
      /^Symbol: PROBE_ENVELOPE \(0\.10\)\[ip=192\.0\.2\.1, helo=mx\.example\.com, from=a@example\.com, rcpt=b@example\.org\+c@example\.org, user=bob, pass_all=false\]$/m,
    );
    assert.match(r.stdout, /^Message-ID: Hello@example\.org$/m);
    assert.match(r.stdout, /^Urls: \["www\.example\.net"\]$/m);
  });

  test('a forced reject shows as reject / spam', async () => {
    const msg = await s.file('reject.eml', eml('Reject', 'FORCE-REJECT please'));
    const r = await rspamc(['-h', s.scan.host, 'symbols', msg]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Action: reject$/m);
    assert.match(r.stdout, /^Spam: true$/m);
    assert.match(r.stdout, /^Message - smtp_message: probe refuses this$/m);
  });

  test('GTUBE is rejected (real gtube check)', async (t) => {
    if (!s.hasGtube) {
      t.skip('src/checks/gtube/index.ts does not exist yet');
      return;
    }
    const msg = await s.file('gtube.eml', eml('Gtube', `This is the GTUBE, the\r\n${GTUBE}\r\n`));
    const r = await rspamc(['-h', s.scan.host, 'symbols', msg]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Action: reject$/m);
  });

  test('--json output, -p (pass all) and -z (zstd both ways) work together', async () => {
    const msg = await s.file('json.eml', eml('Json', 'SPAMWORD inside'));
    const r = await rspamc(['-h', s.scan.host, '--json', '-p', '-z', 'symbols', msg]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, any>;
    assert.equal(out.action, 'add header');
    assert.equal(out.score, 7.1);
    assert.equal(out.required_score, 15);
    assert.equal(out.is_skipped, false);
    assert.equal(out.symbols.PROBE_SPAMWORD.metric_score, 7);
    assert.ok(out.symbols.PROBE_ENVELOPE.options.includes('pass_all=true'));
    assert.equal(out['message-id'], 'Json@example.org');
    assert.equal(typeof out.time_real, 'number');
  });

  test('rspamc against the controller port scans too (secure loopback peer)', async () => {
    const msg = await s.file('ctl.eml', eml('Ctl', 'SPAMWORD'));
    const r = await rspamc(['-h', s.ctl.host, 'symbols', msg]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Action: add header$/m);
  });
});

describe('scan port with fetch', () => {
  const post = (path: string, body: RequestInit['body'], headers: Record<string, string> = {}) =>
    fetch(`${s.scan.url}${path}`, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

  test('/ping answers pong with rspamd framing', async () => {
    const res = await fetch(`${s.scan.url}/PING`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'pong\r\n');
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(res.headers.get('server'), `winnow/${version}`);
  });

  test('invalid IP header → 400 naming header and value', async () => {
    const res = await post('/checkv2', eml('Ip', 'x'), { IP: 'not-an-ip' });
    assert.equal(res.status, 400);
    const body = await json(res);
    assert.match(String(body.error), /IP header.*"not-an-ip"/);
    assert.equal(body.error_domain, 'winnow');
  });

  test('query-string parameters act as headers', async () => {
    const res = await post('/checkv2?ip=192.0.2.44&from=&rcpt=q@example.org', eml('Query', 'x'));
    assert.equal(res.status, 200);
    const body = await json(res);
    assert.deepEqual(body.symbols.PROBE_ENVELOPE.options.slice(0, 4), ['ip=192.0.2.44', 'helo=-', 'from=', 'rcpt=q@example.org']);
  });

  test('oversized body with Content-Length → 413 before reading it', async () => {
    const res = await post('/checkv2', Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x61));
    assert.equal(res.status, 413);
    assert.match(String((await json(res)).error), /size limit/);
  });

  test('oversized chunked body → 413 once the limit is passed', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x62);
    let sent = 0;
    const stream = new ReadableStream({
      pull(c) {
        // Far more than the limit: the server must answer without waiting for (or buffering) all of it.
        if (sent >= MAX_MESSAGE_BYTES * 4) c.close();
        else {
          sent += chunk.length;
          c.enqueue(chunk);
        }
      },
    });
    const res = await post('/checkv2', stream).catch((e: Error) => e);
    // A client may see the reset instead of the 413 if it was still writing; both mean the server refused.
    if (res instanceof Error) assert.match(String(res.cause ?? res), /other side closed|ECONNRESET|socket/i);
    else assert.equal(res.status, 413);
    assert.equal(await (await fetch(`${s.scan.url}/ping`)).text(), 'pong\r\n', 'server still serves');
  });

  test('0-byte, garbage and binary bodies get a best-effort 200', async () => {
    const empty = await json(await post('/checkv2', ''));
    assert.equal(empty.action, 'no action');
    assert.ok(empty.symbols.PROBE_NO_MESSAGE, 'empty body is an envelope-only scan');
    const garbage = await post('/checkv2', 'this is not a mail at all\x00\x01\x02 {{{');
    assert.equal(garbage.status, 200);
    assert.equal(typeof (await json(garbage)).score, 'number');
    const binary = Buffer.alloc(4096);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 131 + 7) % 256;
    const bin = await post('/checkv2', binary);
    assert.equal(bin.status, 200);
    assert.equal(typeof (await json(bin)).action, 'string');
  });

  test('zstd request body (Compression header) and zstd reply (Flags: zstd)', async () => {
    const res = await post('/checkv2', zstdCompressSync(Buffer.from(eml('Zstd', 'SPAMWORD'))), { Compression: 'zstd', Flags: 'zstd' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('compression'), 'zstd');
    const body = JSON.parse(zstdDecompressSync(Buffer.from(await res.arrayBuffer())).toString('utf8'));
    assert.equal(body.action, 'add header');
    assert.equal(body['message-id'], 'Zstd@example.org');
  });

  test('a zstd bomb above the size limit → 413; corrupt zstd → 400; unknown coding → 415', async () => {
    const bomb = zstdCompressSync(Buffer.alloc(MAX_MESSAGE_BYTES * 8));
    assert.ok(bomb.length < MAX_MESSAGE_BYTES);
    assert.equal((await post('/checkv2', bomb, { Compression: 'zstd' })).status, 413);
    assert.equal((await post('/checkv2', 'not zstd', { 'Content-Encoding': 'zstd' })).status, 400);
    assert.equal((await post('/checkv2', 'x', { Compression: 'gzip' })).status, 415);
  });

  test('legacy /check shape', async () => {
    const res = await post('/check', eml('Legacy', 'SPAMWORD'), { IP: '192.0.2.3' });
    assert.equal(res.status, 200);
    const body = await json(res);
    assert.equal(body.default.is_spam, true);
    assert.equal(body.default.action, 'add header');
    assert.equal(body.default.PROBE_SPAMWORD.score, 7);
    assert.equal('metric_score' in body.default.PROBE_SPAMWORD, false);
    assert.equal(body['message-id'], 'Legacy@example.org');
    for (const path of ['/symbols', '/scan', '/process']) assert.ok((await json(await post(path, eml('L2', 'x')))).default, path);
  });

  test('unknown command → 400 invalid command; GET on a scan command → 405', async () => {
    const res = await post('/nonsense', 'x');
    assert.equal(res.status, 400);
    assert.deepEqual(await json(res), { error: 'invalid command' });
    assert.equal((await fetch(`${s.scan.url}/checkv2`)).status, 405);
  });

  test('a malformed request line gets 400 and the server keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(new URL(s.scan.url).port), '127.0.0.1', () => sock.write('THIS IS NOT HTTP\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => (got += d));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.equal((await fetch(`${s.scan.url}/ping`)).status, 200);
  });

  test('a client that disconnects mid-body does not break the server', async () => {
    const before = s.errorLogs().length;
    await new Promise<void>((resolve, reject) => {
      const sock = connect(Number(new URL(s.scan.url).port), '127.0.0.1', () => {
        sock.write('POST /checkv2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\nFrom: half');
        setTimeout(() => {
          sock.destroy();
          resolve();
        }, 50);
      });
      sock.on('error', reject);
    });
    const res = await post('/checkv2', eml('After', 'x'));
    assert.equal(res.status, 200);
    assert.deepEqual(s.errorLogs().slice(before), []);
  });
});

describe('failures and shutdown', () => {
  test('an exception in the scan → 500 JSON, one log line, the server keeps serving', async () => {
    const log = testContext().log;
    const broken = { scan: async () => Promise.reject(new Error('boom')) };
    const { url } = await s.start(createScanHandler({ scanner: broken, log, maxMessageBytes: MAX_MESSAGE_BYTES }));
    const res = await fetch(`${url}/checkv2`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 500);
    assert.deepEqual(await json(res), { error: 'boom', error_domain: 'winnow' });
    assert.equal(log.records.filter((r) => r.level === 'error').length, 1);
    assert.equal((await fetch(`${url}/ping`)).status, 200);
  });

  test('closeServer lets an in-flight scan finish', async () => {
    const log = testContext().log;
    let started!: () => void;
    const scanStarted = new Promise<void>((r) => (started = r));
    const slow = {
      scan: async () => {
        started();
        await new Promise((r) => setTimeout(r, 200));
        return { score: 1, requiredScore: 15, action: 'no action' as const, thresholds: s.engine.config.actions, symbols: {}, messages: {}, addHeaders: [], removeHeaders: [], isSkipped: false, urls: [], emails: [], timeMs: 200 };
      },
    };
    const { server, address } = await listen(createScanHandler({ scanner: slow, log, maxMessageBytes: MAX_MESSAGE_BYTES }), { host: '127.0.0.1', port: 0 });
    const pending = fetch(`http://127.0.0.1:${address.port}/checkv2`, { method: 'POST', body: 'x' });
    await scanStarted;
    const closing = closeServer(server);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal((await json(res)).score, 1);
    await closing;
    assert.equal(server.listening, false);
  });
});

// rspamc sends `Connection: close`: the reply must carry a Content-Length and say it closes.
test('a Connection: close request gets a complete, closed reply', async () => {
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(`${s.scan.url}/ping`, { method: 'GET', headers: { Connection: 'close' } }, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve(`${res.headers['content-length']}|${res.headers.connection}|${s}`));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(text, '6|close|pong\r\n');
});
