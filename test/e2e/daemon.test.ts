// The real daemon: starts on loopback, scans over HTTP, reloads on SIGHUP without dropping requests, drains on SIGTERM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startDaemon } from '../support/daemon.ts';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const CLEAN =
  'From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: lunch\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <lunch-1@example.com>\r\n\r\nSee you at noon.\r\n';
const SPAM = CLEAN.replace('See you at noon.', `Test ${GTUBE} test`);

async function checkv2(base: string, body: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/checkv2`, { method: 'POST', body, headers });
  assert.equal(res.status, 200, `HTTP ${res.status}: ${await res.clone().text()}`);
  return (await res.json()) as Record<string, unknown>;
}

test('daemon on embedded defaults serves /ping and rejects GTUBE; /stat counts scans', async () => {
  const d = await startDaemon();
  try {
    const ping = await fetch(`${d.httpUrl}/ping`);
    assert.equal(await ping.text(), 'pong\r\n');
    assert.equal((await checkv2(d.httpUrl, SPAM)).action, 'reject');
    assert.equal((await checkv2(d.httpUrl, CLEAN, { IP: '192.0.2.10', From: 'alice@example.com', Rcpt: 'bob@example.org' })).action, 'no action');
    const ready = d.logs.find((l) => /ready:/.test(String(l.msg)))!;
    assert.match(String(ready.msg), /2 worker\(s\); http 127\.0\.0\.1:\d+, controller 127\.0\.0\.1:\d+, policy 127\.0\.0\.1:\d+, milter 127\.0\.0\.1:\d+[,;] /);
    // Counters are flushed once a second by each worker.
    let scanned = 0;
    for (let i = 0; i < 40 && scanned < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const stat = (await (await fetch(`${d.controllerUrl}/stat`)).json()) as { scanned: number };
      scanned = stat.scanned;
    }
    assert.equal(scanned, 2);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

/** POST /checkv2 on a new connection: a kept-alive one may still belong to a draining worker of the old generation. */
function freshCheckv2(base: string, body: string): Promise<{ required_score: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/checkv2`, { method: 'POST', agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8').on('data', (c: string) => (data += c));
      res.on('end', () => resolve(JSON.parse(data) as { required_score: number }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('SIGHUP reloads the config without dropping requests; an invalid reload keeps the old config', async () => {
  const d = await startDaemon({ config: 'actions: { add_header: 6 }' });
  try {
    const before = await checkv2(d.httpUrl, CLEAN);
    assert.equal((before as { required_score: number }).required_score, 15);
    let failures = 0;
    let sent = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        try {
          const r = await fetch(`${d.httpUrl}/checkv2`, { method: 'POST', body: CLEAN });
          if (r.status !== 200) failures++;
          await r.arrayBuffer();
        } catch {
          failures++;
        }
        sent++;
      }
    })();
    try {
      const original = readFileSync(d.configPath, 'utf8');
      writeFileSync(d.configPath, original.replace('actions: { add_header: 6 }', 'actions: { add_header: 6, reject: 30 }'));
      d.proc.kill('SIGHUP');
      await d.waitForLog(/^reloaded:/);
      assert.equal((await freshCheckv2(d.httpUrl, CLEAN)).required_score, 30);

      writeFileSync(d.configPath, original.replace('actions: { add_header: 6 }', 'actions: { add_header: "lots" }'));
      d.proc.kill('SIGHUP');
      const failed = await d.waitForLog(/reload failed/);
      assert.match(String(failed.err), /actions\.add_header/);
      assert.equal((await freshCheckv2(d.httpUrl, CLEAN)).required_score, 30);
    } finally {
      running = false; // the load loop must end even when an assertion above failed
      await load;
    }
    assert.ok(sent > 10, `only ${sent} requests were sent during the reloads`);
    assert.equal(failures, 0, `${failures} of ${sent} requests failed during reload`);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

/**
 * Starts a POST whose headers the worker has provably received (it answered `100 Continue`), and returns a
 * function that sends the body and resolves with the status: a request that is in flight for certain.
 */
async function requestInFlight(base: string, body: string): Promise<() => Promise<number>> {
  const req = request(`${base}/checkv2`, { method: 'POST', agent: false, headers: { Expect: '100-continue', 'Content-Length': Buffer.byteLength(body) } });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    req.once('continue', () => resolve());
    req.once('error', reject);
    req.flushHeaders();
  });
  return () => {
    req.end(body);
    return status;
  };
}

test('SIGTERM lets in-flight scans finish', async () => {
  const d = await startDaemon({ workers: 1 });
  try {
    const big = CLEAN.replace('See you at noon.', 'word '.repeat(400_000));
    const pending = await Promise.all(Array.from({ length: 4 }, () => requestInFlight(d.httpUrl, big)));
    d.proc.kill('SIGTERM');
    await d.waitForLog(/shutting down/);
    assert.deepEqual(await Promise.all(pending.map((send) => send())), [200, 200, 200, 200]);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('an invalid config stops the daemon at start with a message naming key, rule and value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-badconf-'));
  const path = join(dir, 'winnow.yaml');
  writeFileSync(path, `data_dir: ${JSON.stringify(join(dir, 'data'))}\nhttp:\n  listen: ['127.0.0.1:99999']\n`);
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/winnow.js'), 'serve', '--config', path], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /winnow\.yaml:3: http\.listen\.0: .* \(got "127\.0\.0\.1:99999"\)/);
});
