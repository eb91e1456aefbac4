// Tests of the spamd check through the real scan pipeline with a memory store and a controlled clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import { WinnowError } from '../../errors.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import type { Store } from '../../storage/store.ts';
import { harness, T0, type Harness } from '../greylist/test-support.ts';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { spamdCheck } from './index.ts';
import { expandMessage } from './lists.ts';
import { listsCachePath } from './source-lists.ts';
import { updateLists } from './sources.ts';

const S = 1000;
const MIN = 60 * S;
const IP = '192.0.2.10';
const CONNECT: Partial<ScanRequest> = { clientIp: IP, facts: { smtp_front_stage: 'connect' } };
const rcpt = (to: string, over: Partial<ScanRequest> = {}): Partial<ScanRequest> => ({
  clientIp: IP,
  helo: 'mx.sender.example',
  mailFrom: 'alice@sender.example',
  rcptTo: [to],
  facts: { smtp_front_stage: 'rcpt' },
  ...over,
});

async function withHarness(config: Record<string, unknown>, fn: (h: Harness) => Promise<void>, store?: Store): Promise<void> {
  const h = await harness([spamdCheck], { checks: { spamd: config }, store, configDir: process.cwd() });
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

function syms(r: ScanResult): Record<string, string[]> {
  return Object.fromEntries(Object.values(r.symbols).filter((s) => s.name.startsWith('SPAMD_')).map((s) => [s.name, s.options]));
}

test('scans without the SMTP front stage fact are left alone', () =>
  withHarness({}, async (h) => {
    const r = await h.scan({ clientIp: IP, mailFrom: 'a@b.example', rcptTo: ['c@d.example'] });
    assert.deepEqual(syms(r), {});
    assert.equal(r.action, 'no action');
    assert.equal((await h.store.spamd.list({ now: T0 })).total, 0, 'nothing was recorded');
  }));

test('greylisting: new client, early retry, retry after pass_time passes and whitelists the IP', () =>
  withHarness({ pass_time: '25m' }, async (h) => {
    const c = await h.scan(CONNECT);
    assert.deepEqual(syms(c), { SPAMD_GREY: ['new connection'] });
    assert.equal(c.action, 'greylist');

    const first = await h.scan(rcpt('bob@example.org'));
    assert.deepEqual(syms(first), { SPAMD_GREY: ['retry in 1500s'] });
    assert.equal(first.action, 'greylist');

    h.clock.set(T0 + 10 * MIN);
    assert.deepEqual(syms(await h.scan(rcpt('bob@example.org'))), { SPAMD_GREY: ['retry in 900s'] });
    // Another tuple of the same IP starts its own clock.
    assert.deepEqual(syms(await h.scan(rcpt('carol@example.org'))), { SPAMD_GREY: ['retry in 1500s'] });

    h.clock.set(T0 + 26 * MIN);
    const passed = await h.scan(rcpt('bob@example.org'));
    assert.deepEqual(syms(passed), { SPAMD_PASS: ['held 1560s'] });
    assert.equal(passed.action, 'no action');

    const grey = (await h.store.spamd.list({ kind: 'grey', now: T0 + 26 * MIN })).items;
    const bob = grey.find((e) => e.kind === 'grey' && e.to === '<bob@example.org>');
    assert.ok(bob?.kind === 'grey');
    assert.deepEqual({ helo: bob.helo, from: bob.from, blocked: bob.blocked }, { helo: 'mx.sender.example', from: '<alice@sender.example>', blocked: 3 });

    h.clock.set(T0 + 30 * MIN);
    const again = await h.scan(CONNECT);
    assert.deepEqual(syms(again), { SPAMD_WHITE: ['db'] });
    assert.equal(again.action, 'no action');
    assert.equal((await h.store.spamd.white(IP, T0 + 30 * MIN))?.passed, 1, 'a whitelisted client seen again is counted (spamlogd)');
  }));

test('a tuple not retried before grey_exp starts over', () =>
  withHarness({ pass_time: '25m', grey_exp: '4h' }, async (h) => {
    await h.scan(rcpt('bob@example.org'));
    h.clock.set(T0 + 5 * 60 * MIN);
    assert.deepEqual(syms(await h.scan(rcpt('bob@example.org'))), { SPAMD_GREY: ['retry in 1500s'] });
  }));

test('black lists tarpit with their messages; a white list wins; expandMessage follows spamd', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-spamd-'));
  try {
    await writeFile(join(dir, 'nixspam.txt'), '# test list\n192.0.2.0/24\n');
    await writeFile(join(dir, 'local.txt'), '198.51.100.7 my own list\n');
    await writeFile(join(dir, 'white.txt'), '192.0.2.99\n');
    const lists = [
      { name: 'nixspam', type: 'black', message: 'Your address %A is in the nixspam list\nSee http://www.heise.de/ix/nixspam/dnsbl_en/ for details', file: join(dir, 'nixspam.txt') },
      { name: 'local', type: 'black', file: join(dir, 'local.txt') },
      { name: 'friends', type: 'white', file: join(dir, 'white.txt') },
    ];
    await withHarness({ lists }, async (h) => {
      const r = await h.scan(CONNECT);
      assert.deepEqual(syms(r), { SPAMD_BLACK: ['nixspam'] });
      assert.equal(r.action, 'reject');
      assert.equal(r.messages.smtp_message, `Your address ${IP} is in the nixspam list\nSee http://www.heise.de/ix/nixspam/dnsbl_en/ for details`);

      const other = await h.scan({ ...CONNECT, clientIp: '198.51.100.7' });
      assert.deepEqual(syms(other), { SPAMD_BLACK: ['local'] });
      assert.match(other.messages.smtp_message, /^Sorry 198\.51\.100\.7\nYou are trying to send mail from an address listed by one\nor more IP-based/);

      const friend = await h.scan({ ...CONNECT, clientIp: '192.0.2.99' });
      assert.deepEqual(syms(friend), { SPAMD_WHITE: ['list'] });
      assert.equal(friend.action, 'no action');
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.equal(expandMessage('%A said 100%% spam\n\n', '::1'), '::1 said 100% spam');
});

test('a list file that cannot be read stops setup with the list named', async () => {
  await assert.rejects(
    harness([spamdCheck], { checks: { spamd: { lists: [{ name: 'gone', type: 'black', file: '/nonexistent/list.txt' }] } } }),
    /spamd list gone: cannot read \/nonexistent\/list\.txt/,
  );
});

test('greytrapping: a spamtrap recipient traps the client, whose next connection is refused with the trap message', () =>
  withHarness({}, async (h) => {
    await h.store.spamd.addSpamtrap('trap@example.org');
    const r = await h.scan(rcpt('"TRAP"@Example.ORG'));
    assert.deepEqual(syms(r), { SPAMD_GREYTRAP: ['trap@example.org', 'spamtrap'] });
    assert.equal(r.action, 'greylist', 'the trapping connection itself still ends with 451');
    assert.equal((await h.store.spamd.list({ kind: 'grey', now: T0 })).total, 0, 'no tuple is recorded for a trap');

    h.clock.set(T0 + MIN);
    const next = await h.scan(CONNECT);
    assert.deepEqual(syms(next), { SPAMD_TRAPPED: ['86340s'] });
    assert.equal(next.action, 'reject');
    assert.equal(next.messages.smtp_message, `Your address ${IP} has mailed to spamtraps here`);

    h.clock.set(T0 + 24 * 60 * MIN + 1);
    assert.deepEqual(syms(await h.scan(CONNECT)), { SPAMD_GREY: ['new connection'] }, 'the trap expired after trap_exp');
  }));

test('local_domains: a recipient outside them traps; the domain, its subdomains and @exact entries are local', () =>
  withHarness({ local_domains: ['example.org', '@example.net'] }, async (h) => {
    for (const to of ['bob@example.org', 'bob@mail.example.org', 'bob@EXAMPLE.NET', 'postmaster']) {
      assert.deepEqual(Object.keys(syms(await h.scan(rcpt(to, { clientIp: '192.0.2.1' })))), ['SPAMD_GREY'], to);
    }
    const r = await h.scan(rcpt('bob@sub.example.net'));
    assert.deepEqual(syms(r), { SPAMD_GREYTRAP: ['bob@sub.example.net', 'not a local domain'] });
    assert.ok(await h.store.spamd.trapped(IP, T0));
  }));

test('a trapped client is not whitelisted by a passing tuple', () =>
  withHarness({ pass_time: '1m' }, async (h) => {
    await h.scan(rcpt('bob@example.org'));
    await h.store.spamd.trap(IP, T0, 24 * 60 * MIN);
    h.clock.set(T0 + 2 * MIN);
    const r = await h.scan(rcpt('bob@example.org'));
    assert.equal(r.action, 'greylist');
    assert.equal(await h.store.spamd.white(IP, T0 + 2 * MIN), undefined);
  }));

function failingSpamdStore(): Store {
  const inner = createMemoryStore();
  const refuse = () => Promise.reject(new WinnowError('ERR_STORE_UNAVAILABLE', 'Redis at 127.0.0.1:6379 is not answering'));
  return new Proxy(inner, {
    get(obj, prop) {
      if (prop === 'spamd') return new Proxy({}, { get: () => refuse });
      return Reflect.get(obj, prop, obj) as unknown;
    },
  });
}

test('store outage: black lists still apply; others pass by default or stay greylisted with store_fail_action greylist', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-spamd-'));
  try {
    await writeFile(join(dir, 'black.txt'), '192.0.2.66\n');
    const lists = [{ name: 'bl', type: 'black', file: join(dir, 'black.txt') }];
    await withHarness({ lists }, async (h) => {
      const black = await h.scan({ ...CONNECT, clientIp: '192.0.2.66' });
      assert.equal(black.action, 'reject');
      const c = await h.scan(CONNECT);
      assert.deepEqual(syms(c), { SPAMD_STORE_FAIL: ['no action'] });
      assert.equal(c.action, 'no action');
      const r = await h.scan(rcpt('bob@example.org'));
      assert.deepEqual(syms(r), { SPAMD_STORE_FAIL: ['no action'] });
      assert.equal(h.log.records.filter((l) => /store unavailable/.test(l.msg)).length, 1, 'one log line per outage');
    }, failingSpamdStore());
    await withHarness({ lists, store_fail_action: 'greylist' }, async (h) => {
      assert.equal((await h.scan(CONNECT)).action, 'greylist');
      assert.equal((await h.scan(rcpt('bob@example.org'))).action, 'greylist');
    }, failingSpamdStore());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('config: durations accept units; pass_time must be shorter than grey_exp; white lists take no message', async () => {
  const { spamdConfigSchema } = await import('./config.ts');
  const c = spamdConfigSchema.parse({ pass_time: '2s', grey_exp: 3600, white_exp: '36d' });
  assert.deepEqual([c.pass_time, c.grey_exp, c.white_exp, c.trap_exp], [2000, 3_600_000, 3_110_400_000, 86_400_000]);
  assert.match(JSON.stringify(spamdConfigSchema.safeParse({ pass_time: '5h' }).error?.issues), /shorter than grey_exp/);
  assert.match(JSON.stringify(spamdConfigSchema.safeParse({ lists: [{ name: 'w', type: 'white', message: 'x', file: 'f' }] }).error?.issues), /only black lists/);
  assert.match(JSON.stringify(spamdConfigSchema.safeParse({ local_domains: ['not a domain'] }).error?.issues), /expected a domain name/);
});

test('fetched list sources feed the check: black sources tarpit with their message, a later white source carves out, static lists still count', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-spamd-'));
  const dataDir = join(dir, 'data');
  try {
    await writeFile(join(dir, 'fetched-black.txt'), '192.0.2.0/24\n');
    await writeFile(join(dir, 'fetched-white.txt'), '192.0.2.99\n');
    await writeFile(join(dir, 'static.txt'), '192.0.2.10\n');
    const sources = [
      { name: 'fetched', type: 'black', message: 'Fetched list has %A', source: 'fetched-black.txt' },
      { name: 'partners', type: 'white', source: 'fetched-white.txt' },
    ] as const;
    // What `winnow blacklist update` or the daemon's schedule writes before the workers load it.
    const reports = await updateLists({ sources, cachePath: listsCachePath(dataDir), configDir: dir, timeoutMs: 5000, log: new MemoryLogger() });
    assert.deepEqual(reports.map((r) => [r.name, r.ok]), [['fetched', true], ['partners', true]]);
    const config = { sources, lists: [{ name: 'static', type: 'black', file: 'static.txt' }] };
    const h = await harness([spamdCheck], { checks: { spamd: config }, configDir: dir, dataDir });
    try {
      const both = await h.scan(CONNECT);
      assert.deepEqual(syms(both), { SPAMD_BLACK: ['static', 'fetched'] });
      assert.equal(both.action, 'reject');
      assert.match(both.messages.smtp_message, new RegExp(`\\nFetched list has ${IP.replace(/\./g, '\\.')}$`));

      const fetchedOnly = await h.scan({ ...CONNECT, clientIp: '192.0.2.50' });
      assert.deepEqual(syms(fetchedOnly), { SPAMD_BLACK: ['fetched'] });
      assert.equal(fetchedOnly.messages.smtp_message, 'Fetched list has 192.0.2.50');

      const partner = await h.scan({ ...CONNECT, clientIp: '192.0.2.99' });
      assert.deepEqual(syms(partner), { SPAMD_WHITE: ['list'] }, 'the white source after the black one removes its address');
      assert.deepEqual(syms(await h.scan({ ...CONNECT, clientIp: '198.51.100.1' })), { SPAMD_GREY: ['new connection'] });
    } finally {
      await h.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('replies: an expected reply passes at RCPT (SPAMD_REPLY, nothing forced) without whitening the IP; anything else is greylisted as before', async () => {
  const REPLY_TTL_MS = 36 * 24 * 60 * MIN;
  await withHarness({ pass_time: '25m' }, async (h) => {
    // alice@example.org mailed bob@remote.example: bob's answer is expected (spamd-replies records it so).
    await h.store.spamd.expectReply('bob@remote.example', 'alice@example.org', T0, REPLY_TTL_MS);
    const reply = await h.scan(rcpt('Alice@Example.ORG', { mailFrom: 'Bob@Remote.Example' }));
    assert.deepEqual(syms(reply), { SPAMD_REPLY: ['Bob@Remote.Example'] });
    assert.equal(reply.action, 'no action');
    assert.equal(reply.forced, undefined);
    assert.equal(await h.store.spamd.white(IP, T0), undefined, 'the IP is not whitelisted');
    assert.equal((await h.store.spamd.list({ now: T0 })).total, 0, 'no GREY tuple or WHITE entry was written');
    assert.deepEqual(syms(await h.scan(CONNECT)), { SPAMD_GREY: ['new connection'] }, 'its next connection is greylisted again');

    // Not a reply: another sender to alice, bob to another local user, or alice writing to bob.
    for (const [from, to] of [['carol@remote.example', 'alice@example.org'], ['bob@remote.example', 'dave@example.org'], ['alice@example.org', 'bob@remote.example']]) {
      const r = await h.scan(rcpt(to, { mailFrom: from }));
      assert.deepEqual(syms(r), { SPAMD_GREY: ['retry in 1500s'] }, `${from} → ${to}`);
      assert.equal(r.action, 'greylist');
    }
    // The null sender never counts as a reply.
    assert.equal((await h.scan(rcpt('alice@example.org', { mailFrom: '' }))).action, 'greylist');

    h.clock.set(T0 + REPLY_TTL_MS);
    assert.deepEqual(syms(await h.scan(rcpt('alice@example.org', { mailFrom: 'bob@remote.example' }))), { SPAMD_GREY: ['retry in 1500s'] }, 'the expectation expired');
  });
});

test('replies: a spamtrap recipient still traps even when the sender was expected to reply', () =>
  withHarness({}, async (h) => {
    await h.store.spamd.addSpamtrap('trap@example.org');
    await h.store.spamd.expectReply('bob@remote.example', 'trap@example.org', T0, MIN);
    const r = await h.scan(rcpt('trap@example.org', { mailFrom: 'bob@remote.example' }));
    assert.deepEqual(syms(r), { SPAMD_GREYTRAP: ['trap@example.org', 'spamtrap'] });
  }));
