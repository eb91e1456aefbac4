// End to end: the rspamd-compatible controller port on loopback (stats, history, metrics, auth), driven by rspamc 3.4 and fetch.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_AUTH_FAILURES_PER_WINDOW } from '../../src/protocols/http/failure-throttle.ts';
import { version } from '../../src/version.ts';
import { ENABLE_PW, eml, json, READ_PW, rspamc, startStack, type Stack } from './http-harness.ts';

let s: Stack;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.close();
});

describe('controller', () => {
  test('/stat counters rise after scans (rspamc stat and JSON)', async () => {
    const before = await json(await fetch(`${s.ctl.url}/stat`));
    const msg = await s.file('stat.eml', eml('Stat', 'SPAMWORD'));
    for (let i = 0; i < 2; i++) assert.equal((await rspamc(['-h', s.scan.host, 'symbols', msg])).code, 0);
    const after = await json(await fetch(`${s.ctl.url}/stat`));
    assert.equal(after.scanned, before.scanned + 2);
    assert.equal(after.actions['add header'], before.actions['add header'] + 2);
    assert.equal(after.spam_count, before.spam_count + 2);
    assert.equal(after.version, version);
    const r = await rspamc(['-h', s.ctl.host, 'stat']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Messages scanned: ${after.scanned}$`, 'm'));
  });

  test('/history lists recent scans in rspamd v2 rows; /historyreset clears it', async () => {
    await fetch(`${s.scan.url}/checkv2`, { method: 'POST', body: eml('Hist', 'x'), headers: { IP: '192.0.2.77', From: 'h@example.com' } });
    const h = (await json(await fetch(`${s.ctl.url}/history`))) as { version: number; rows: Record<string, any>[] };
    assert.equal(h.version, 2);
    const row = h.rows.find((x) => x['message-id'] === 'Hist@example.org');
    assert.ok(row, 'row for the scan');
    assert.equal(row.ip, '192.0.2.77');
    assert.equal(row.sender_smtp, 'h@example.com');
    assert.equal(row.subject, 'Hist');
    assert.ok(row.symbols.PROBE_ENVELOPE);
    assert.deepEqual(await json(await fetch(`${s.ctl.url}/historyreset`)), { success: true });
    assert.deepEqual((await json(await fetch(`${s.ctl.url}/history`))).rows, []);
  });

  test('/metrics, /actions, /symbols, /counters, /auth', async () => {
    const metrics = await (await fetch(`${s.ctl.url}/metrics`)).text();
    assert.match(metrics, /^winnow_scanned_total \d+$/m);
    assert.match(metrics, /^winnow_check_runs_total\{check="http-probe"\} [1-9]\d*$/m);
    assert.match(metrics, /^process_resident_memory_bytes [1-9]\d*$/m);
    const actions = (await (await fetch(`${s.ctl.url}/actions`)).json()) as { action: string; value: number | null }[];
    assert.deepEqual(actions.find((a) => a.action === 'reject'), { action: 'reject', value: 15 });
    const groups = (await (await fetch(`${s.ctl.url}/symbols`)).json()) as { group: string; rules: { symbol: string; weight: number }[] }[];
    const rule = groups.flatMap((g) => g.rules).find((r) => r.symbol === 'PROBE_SPAMWORD');
    assert.equal(rule?.weight, 7);
    const counters = (await (await fetch(`${s.ctl.url}/counters`)).json()) as { symbol: string; hits: number }[];
    assert.ok((counters.find((c) => c.symbol === 'PROBE_ENVELOPE')?.hits ?? 0) > 0);
    const auth = await json(await fetch(`${s.ctl.url}/auth`));
    assert.equal(auth.auth, 'ok');
    const r = await rspamc(['-h', s.ctl.host, 'counters']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PROBE_SPAMWORD/);
  });

  test('/statreset reports and clears the counters', async () => {
    const res = await json(await fetch(`${s.ctl.url}/statreset`));
    assert.ok((res.scanned as number) > 0);
    assert.equal((await json(await fetch(`${s.ctl.url}/stat`))).scanned, 0);
  });

  test('without a bayes check learning answers 501 (rspamc learn_spam)', async () => {
    const msg = await s.file('learn.eml', eml('Learn', 'x'));
    const r = await rspamc(['-h', s.ctl.host, 'learn_spam', msg]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /501, learning is not available: the bayes check is disabled/);
  });

  test('unknown controller path → 404', async () => {
    assert.equal((await fetch(`${s.ctl.url}/nonsense`)).status, 404);
  });
});

describe('controller auth from a non-secure peer', () => {
  test('no or wrong password → 401 Unauthorized (rspamc -P too)', async () => {
    const none = await fetch(`${s.remoteCtl.url}/stat`);
    assert.equal(none.status, 401);
    assert.deepEqual(await json(none), { error: 'Unauthorized' });
    const r = await rspamc(['-h', s.remoteCtl.host, '-P', 'wrong', 'stat']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /HTTP error: 401, Unauthorized/);
    assert.equal((await fetch(`${s.remoteCtl.url}/ping`)).status, 200, '/ping needs no password');
  });

  test('read password reads but cannot reset; enable password can', async () => {
    const r = await rspamc(['-h', s.remoteCtl.host, '-P', READ_PW, 'stat']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Messages scanned: \d+$/m);
    assert.equal((await json(await fetch(`${s.remoteCtl.url}/auth?password=${READ_PW}`))).read_only, true);
    assert.equal((await fetch(`${s.remoteCtl.url}/statreset`, { headers: { Password: READ_PW } })).status, 401);
    assert.equal((await fetch(`${s.remoteCtl.url}/statreset`, { headers: { Password: ENABLE_PW } })).status, 200);
    const scan = await rspamc(['-h', s.remoteCtl.host, '-P', READ_PW, 'symbols', await s.file('remote.eml', eml('Remote', 'x'))]);
    assert.equal(scan.code, 0, scan.stdout + scan.stderr);
    assert.match(scan.stdout, /^Action: no action$/m);
  });

  test(`after ${MAX_AUTH_FAILURES_PER_WINDOW} failures the peer gets 429, even with the right password`, async () => {
    // Earlier tests in this block already failed a few times; fail until the throttle engages.
    let status = 0;
    for (let i = 0; i <= MAX_AUTH_FAILURES_PER_WINDOW && status !== 429; i++) {
      status = (await fetch(`${s.remoteCtl.url}/stat`, { headers: { Password: 'nope' } })).status;
    }
    assert.equal(status, 429);
    const res = await fetch(`${s.remoteCtl.url}/stat`, { headers: { Password: READ_PW } });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
  });
});
