// End to end: the controller API the web UI uses, against the real daemon (2 workers, SQLite): login, status, series, history with explanations, edits applied by reload, lists, greylist; rspamc still works.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testMail } from '../../src/classifier/test-mail.ts';
import { hashPassword } from '../../src/protocols/http/password.ts';
import { PolicyClient } from '../../src/protocols/policy/test-client.ts';
import { startDaemon, type RunningDaemon } from '../support/daemon.ts';
import { RSPAMC, rspamc } from './http-harness.ts';

const READ_PW = 'ui-read-secret';
const ENABLE_PW = 'ui-enable-secret';
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
/** A retiring worker or a list watcher needs a moment; every wait below is bounded by this. */
const SETTLE_MS = 10_000;

let d: RunningDaemon;
let dir: string;
let blockList: string;
let browser: Record<string, string>;

function eml(subject: string, from: string, body: string): string {
  return `From: ${from}\r\nTo: bob@example.net\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@example.org>\r\nDate: ${new Date().toUTCString()}\r\n\r\n${body}\r\n`;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = SETTLE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A fresh connection per call: a kept-alive one could belong to a worker retired by a reload. */
async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${d.controllerUrl}${path}`, { ...init, headers: { Connection: 'close', ...browser, ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text replies (maps) stay text
  }
  return { status: res.status, body, headers: res.headers };
}

async function scan(message: string): Promise<{ action: string; score: number; symbols: Record<string, unknown> }> {
  const res = await fetch(`${d.httpUrl}/checkv2`, { method: 'POST', body: message, headers: { Connection: 'close' } });
  return (await res.json()) as { action: string; score: number; symbols: Record<string, unknown> };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'winnow-ui-e2e-'));
  blockList = join(dir, 'blocked-senders.map');
  writeFileSync(blockList, '# senders we never want\nspammer@bad.example\n');
  d = await startDaemon({
    config: `
# controller for the UI e2e test
controller:
  listen: ['127.0.0.1:${await (await import('../support/daemon.ts')).freePort()}']
  password: '${await hashPassword(READ_PW)}'
  enable_password: '${await hashPassword(ENABLE_PW)}'
  secure_ip: []
checks:
  # No DNS here: an SPF lookup would tempfail the policy requests the greylist test makes.
  spf: { enabled: false }
  multimap:
    maps:
      - { symbol: UI_BLOCKED_FROM, type: email, target: from, source: ${JSON.stringify(blockList)}, weight: 8 }
`,
  });
  browser = {};
});
after(async () => {
  await d?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  test('wrong password → 403 JSON with a code; no session → 401; a session without CSRF token cannot change anything', async () => {
    const wrong = await api('/api/login', { method: 'POST', body: JSON.stringify({ password: 'nope' }) });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error.code, 'ERR_AUTH_FAILED');
    const none = await api('/api/status', { headers: { 'Sec-Fetch-Site': 'same-origin' } });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'ERR_AUTH_REQUIRED');
    const ok = await api('/api/login', { method: 'POST', body: JSON.stringify({ password: ENABLE_PW }) });
    assert.equal(ok.status, 200);
    const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0];
    const noCsrf = await api('/api/actions', { method: 'PUT', headers: { Cookie: cookie }, body: '{"reject": 20}' });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.error.code, 'ERR_CSRF');
    browser = { Cookie: cookie, 'X-CSRF-Token': ok.body.csrf, 'Sec-Fetch-Site': 'same-origin' };
  });

  test('the UI files are public and served compressed', async () => {
    const res = await fetch(`${d.controllerUrl}/`, { headers: { 'Accept-Encoding': 'br, gzip' } });
    assert.notEqual(res.status, 404, 'GET / is wired to the static site');
    if (res.status === 200) assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal((await fetch(`${d.controllerUrl}/assets/..%2f..%2fwinnow.yaml`)).status, 404);
  });
});

describe('status, history, explanations', () => {
  test('status counts scans from both workers and lists the workers', async () => {
    for (let i = 0; i < 4; i++) await scan(eml(`Status ${i}`, 'alice@example.org', 'hello there'));
    const s = await until('4 scans and 2 workers in /api/status', async () => {
      const r = (await api('/api/status')).body;
      return r.scanned >= 4 && r.workers.length === 2 ? r : undefined;
    });
    assert.equal(Object.values(s.actions as Record<string, number>).reduce((a, b) => a + b, 0), s.scanned);
    assert.equal(s.store.backend, 'sqlite');
    assert.ok(s.store.sizeBytes > 0);
    assert.ok(s.workers.every((w: { pid: number; rssBytes: number }) => w.pid > 0 && w.rssBytes > 0));
  });

  test('the throughput series has this hour’s scans', async () => {
    const total = await until('scans in the hour series', async () => {
      const r = (await api('/api/series?range=hour')).body as { points: { actions: Record<string, number> }[] };
      const n = r.points.reduce((acc, p) => acc + Object.values(p.actions).reduce((a, b) => a + b, 0), 0);
      return n >= 4 ? n : undefined;
    });
    assert.ok(total >= 4);
    const g = (await api('/graph?type=day')).body as unknown[][];
    assert.equal(g.length, 6);
  });

  test('a pasted GTUBE message is rejected, explained, and found in history with its explanation', async () => {
    const r = await api('/api/scan', { method: 'POST', body: eml('Gtube paste', 'carol@example.org', GTUBE) });
    assert.equal(r.status, 200);
    assert.equal(r.body.action, 'reject');
    assert.equal(r.body.forced, true);
    assert.ok(r.body.symbols.some((s: { name: string; description?: string }) => s.name === 'GTUBE' && s.description));
    assert.match(r.body.whatIf[0].text, /forced/);
    const item = await until('the GTUBE row in history', async () => {
      const h = (await api('/api/history?q=gtube%20paste')).body as { items: { id: string; action: string }[] };
      return h.items[0];
    });
    assert.equal(item.action, 'reject');
    const ex = await api(`/api/history/${item.id}`);
    assert.equal(ex.status, 200);
    assert.ok(ex.body.symbols.some((s: { name: string }) => s.name === 'GTUBE'));
    assert.equal(ex.body.forced, true);
  });
});

describe('edits', () => {
  test('a threshold change is written to the file (comments kept), applied by a reload, and the next scan uses it', async () => {
    const blocked = eml('Blocked before', 'spammer@bad.example', 'hello');
    const before = await scan(blocked);
    assert.ok('UI_BLOCKED_FROM' in before.symbols);
    assert.notEqual(before.action, 'reject');
    const newReject = Math.max(7, Math.floor(before.score) - 1);
    const uptimeBefore = (await api('/api/status')).body.uptimeSec as number;
    const bad = await api('/api/actions', { method: 'PUT', body: JSON.stringify({ reject: 1 }) });
    assert.equal(bad.status, 400, 'reject below add header is refused');
    assert.equal(bad.body.error.field, 'reject');
    assert.doesNotMatch(readFileSync(d.configPath, 'utf8'), /reject: 1\b/);
    const r = await api('/api/actions', { method: 'PUT', body: JSON.stringify({ reject: newReject, add_header: Math.min(6, newReject) }) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.applied, true);
    assert.ok(r.body.generation >= 2);
    const text = readFileSync(d.configPath, 'utf8');
    assert.match(text, /^# controller for the UI e2e test$/m);
    assert.match(text, new RegExp(`reject: ${newReject}`));
    const after = await scan(eml('Blocked after', 'spammer@bad.example', 'hello'));
    assert.equal(after.action, 'reject', `score ${after.score} ≥ new reject threshold ${newReject}`);
    const status = (await api('/api/status')).body;
    assert.ok(status.generation >= 2, 'the session cookie outlived the reload (shared key file)');
    assert.ok(status.uptimeSec >= uptimeBefore, "uptime is the daemon's, not the new workers'");
  });

  test('a symbol weight change shows in /symbols after the reload', async () => {
    const r = await api('/api/symbols/UI_BLOCKED_FROM', { method: 'PUT', body: JSON.stringify({ weight: 9.5 }) });
    assert.equal(r.status, 200);
    assert.equal(r.body.applied, true);
    const groups = (await api('/symbols')).body as { rules: { symbol: string; weight: number }[] }[];
    assert.equal(groups.flatMap((g) => g.rules).find((x) => x.symbol === 'UI_BLOCKED_FROM')?.weight, 9.5);
    const bad = await api('/api/symbols/UI_BLOCKED_FROM', { method: 'PUT', body: JSON.stringify({ weight: 'heavy' }) });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'weight');
  });

  test('a list edit: malformed lines refused with their numbers; a good one saved and hot-reloaded', async () => {
    const maps = (await api('/api/maps')).body as { id: string; uri: string; symbol?: string }[];
    const m = maps.find((x) => x.symbol === 'UI_BLOCKED_FROM');
    assert.ok(m);
    assert.equal(m.uri, blockList);
    const refused = await api(`/api/maps/${m.id}`, { method: 'PUT', body: 'spammer@bad.example\nnot an address\n@\n' });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.error.lines.map((l: { line: number }) => l.line), [2, 3]);
    assert.equal(readFileSync(blockList, 'utf8'), '# senders we never want\nspammer@bad.example\n');
    const saved = await api(`/api/maps/${m.id}`, { method: 'PUT', body: '# senders we never want\nspammer@bad.example\nnewbad@worse.example\n' });
    assert.equal(saved.status, 200);
    assert.equal((await api(`/api/maps/${m.id}`)).body, '# senders we never want\nspammer@bad.example\nnewbad@worse.example\n');
    await until('the new entry to hit on every worker', async () => {
      const hits = await Promise.all([1, 2, 3, 4].map(async (i) => 'UI_BLOCKED_FROM' in (await scan(eml(`New bad ${i}`, 'newbad@worse.example', 'hi'))).symbols));
      return hits.every(Boolean) ? true : undefined;
    });
  });
});

describe('greylist', () => {
  test('a greylisted triplet is listed, released, and its retry passes', async () => {
    const [host, port] = d.listeners.policy.split(':');
    const client = await PolicyClient.open({ host, port: Number(port) });
    try {
      const req = {
        request: 'smtpd_access_policy',
        protocol_state: 'RCPT',
        client_address: '192.0.2.77',
        client_name: 'unknown',
        helo_name: 'mx.sender.example',
        sender: 'news@sender.example',
        recipient: 'dave@example.net',
      };
      assert.match(await client.ask(req), /^DEFER_IF_PERMIT/);
      const list = (await api('/api/greylist?q=dave@example.net')).body as { items: { key: string; state: string }[] };
      assert.equal(list.items.length, 1);
      assert.equal(list.items[0].state, 'waiting');
      const rel = await api('/api/greylist/release', { method: 'POST', body: JSON.stringify({ key: list.items[0].key }) });
      assert.equal(rel.status, 200);
      assert.doesNotMatch(await client.ask(req), /^DEFER/, 'released: the retry is accepted');
      const del = await api('/api/greylist/delete', { method: 'POST', body: JSON.stringify({ key: list.items[0].key }) });
      assert.equal(del.status, 200);
      assert.equal(((await api('/api/greylist?q=dave@example.net')).body as { total: number }).total, 0);
    } finally {
      client.socket.destroy();
    }
  });
});

describe('rspamd clients still work', () => {
  test('rspamc stat and learn_spam with the passwords; a wrong one is refused', { skip: !existsSync(RSPAMC) && 'rspamc not installed' }, async () => {
    const host = d.listeners.controller;
    const stat = await rspamc(['-h', host, '-P', READ_PW, 'stat']);
    assert.equal(stat.code, 0, stat.stderr);
    assert.match(stat.stdout, /^Messages scanned: \d+$/m);
    const file = join(dir, 'learn.eml');
    writeFileSync(file, testMail('spam', 4242));
    const learn = await rspamc(['-h', host, '-P', ENABLE_PW, 'learn_spam', file]);
    assert.equal(learn.code, 0, learn.stdout + learn.stderr);
    const learned = await until('the learn counted', async () => {
      const s = (await api('/api/status')).body;
      return s.learned.spam >= 1 ? s.learned.spam : undefined;
    });
    assert.ok(learned >= 1);
    const ro = await rspamc(['-h', host, '-P', READ_PW, 'learn_spam', file]);
    assert.notEqual(ro.code, 0, 'the read password cannot learn');
  });
});
