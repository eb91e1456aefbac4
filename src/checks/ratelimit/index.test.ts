// Tests of the ratelimit check: rate parsing, bucket keys, and buckets through the real scan pipeline with a memory store and a controlled clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import { harness, switchableStore, T0, type Harness } from '../greylist/test-support.ts';
import { parseRate, ratelimitConfigSchema } from './config.ts';
import { bucketKeys, MAX_BUCKETS_PER_LIMIT, ratelimitCheck } from './index.ts';

test('rate texts', () => {
  const cases: [number | string, number | undefined][] = [
    ['10/m', 10 / 60],
    ['10 / min', 10 / 60],
    ['100/h', 100 / 3600],
    ['100/hours', 100 / 3600],
    ['5/10min', 5 / 600],
    ['1000/d', 1000 / 86_400],
    ['2/s', 2],
    ['0.5/sec', 0.5],
    [3, 3],
    [0.25, 0.25],
    ['10/ms', undefined],
    ['10/fortnight', undefined],
    ['0/m', undefined],
    ['ten/m', undefined],
    ['10', undefined],
    [0, undefined],
    [-1, undefined],
    [Infinity, undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseRate(input), want, String(input));
});

test('config: default burst is the rate count; names, keys and duplicates are validated', () => {
  const c = ratelimitConfigSchema.parse({ limits: [{ name: 'ip', key: ['client_ip'], rate: '10/m' }, { name: 'slow', key: ['user'], rate: 0.1 }] });
  assert.deepEqual(c.limits.map((l) => [l.burst, l.ratePerSec, l.action]), [[10, 10 / 60, 'soft reject'], [1, 0.1, 'soft reject']]);
  const bad: [unknown, RegExp][] = [
    [{ limits: [{ name: 'Bad', key: ['client_ip'], rate: 1 }] }, /lower_snake/],
    [{ limits: [{ name: 'a', key: ['client_ip', 'client_ip'], rate: 1 }] }, /listed twice/],
    [{ limits: [{ name: 'a', key: ['helo'], rate: 1 }] }, /client_ip/],
    [{ limits: [{ name: 'a', key: ['user'], rate: '5/fortnight' }] }, /N\/unit/],
    [{ limits: [{ name: 'a', key: ['user'], rate: 1 }, { name: 'a', key: ['rcpt'], rate: 1 }] }, /defined twice/],
  ];
  for (const [input, re] of bad) assert.match(ratelimitConfigSchema.safeParse(input).error?.issues[0].message ?? 'parsed', re);
});

test('bucket keys combine parts; a missing part means the limit does not apply', () => {
  const req: ScanRequest = { clientIp: '192.0.2.1', mailFrom: 'Alice@Sender.Example', rcptTo: ['a@x.example', 'b@x.example', 'c@y.example'] };
  const cases: [string[], Partial<ScanRequest>, string[]][] = [
    [['client_ip'], {}, ['192.0.2.1']],
    [['sender'], {}, ['alice@sender.example']],
    [['sender'], { mailFrom: '' }, ['<>']],
    [['sender_domain'], { mailFrom: '' }, []],
    [['client_ip', 'sender_domain'], {}, ['192.0.2.1|sender.example']],
    [['rcpt'], {}, ['a@x.example', 'b@x.example', 'c@y.example']],
    [['rcpt_domain'], {}, ['x.example', 'y.example']],
    [['sender', 'rcpt_domain'], {}, ['alice@sender.example|x.example', 'alice@sender.example|y.example']],
    [['user'], {}, []],
    [['user'], { user: 'Bob' }, ['bob']],
    [['client_ip'], { clientIp: undefined }, []],
  ];
  for (const [key, extra, want] of cases) {
    const got = bucketKeys({ name: 'l', key: key as never }, { ...req, ...extra });
    assert.deepEqual(got, want.map((w) => `ratelimit:l:${w}`), key.join('+'));
  }
  const many = { ...req, rcptTo: Array.from({ length: 500 }, (_, i) => `r${i}@x.example`) };
  assert.equal(bucketKeys({ name: 'l', key: ['rcpt'] }, many).length, MAX_BUCKETS_PER_LIMIT);
});

const REQ: Partial<ScanRequest> = { clientIp: '192.0.2.1', mailFrom: 'alice@sender.example', rcptTo: ['bob@example.net'] };

async function withLimits(limits: unknown[], fn: (h: Harness) => Promise<void>, extra: { store?: Harness['store'] } = {}): Promise<void> {
  const h = await harness([ratelimitCheck], { checks: { ratelimit: { limits } }, ...extra });
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

function syms(r: ScanResult): Record<string, string[]> {
  return Object.fromEntries(Object.values(r.symbols).map((s) => [s.name, s.options]));
}

test('a per-IP bucket allows the burst, then tempfails with the text until it refills', () =>
  withLimits([{ name: 'per_ip', key: ['client_ip'], rate: '3/m' }], async (h) => {
    for (let i = 0; i < 3; i++) assert.equal((await h.scan(REQ)).action, 'no action', `message ${i + 1}`);
    const over = await h.scan(REQ);
    assert.equal(over.action, 'soft reject');
    assert.deepEqual(syms(over), { RATELIMIT_PER_IP: ['192.0.2.1', '20s'] });
    assert.equal(over.messages.smtp_message, '451 4.7.1 Rate limit exceeded, please try again in 20 seconds');
    assert.equal((await h.scan({ ...REQ, clientIp: '192.0.2.2' })).action, 'no action', 'another client has its own bucket');
    h.clock.set(T0 + 19_000);
    assert.equal((await h.scan(REQ)).action, 'soft reject');
    h.clock.set(T0 + 20_000);
    assert.equal((await h.scan(REQ)).action, 'no action', 'one token back after 20 s');
    assert.equal((await h.scan(REQ)).action, 'soft reject');
  }));

test('combinations and several limits: the first bucket to run dry decides; reject with its own text', () =>
  withLimits(
    [
      { name: 'ip_sender', key: ['client_ip', 'sender'], rate: '100/h', burst: 2 },
      { name: 'rcpt', key: ['rcpt'], rate: '1/h', burst: 3, action: 'reject', message: '550 5.7.1 %s seconds: too much for this mailbox' },
      { name: 'sasl', key: ['user'], rate: 1, burst: 1 },
    ],
    async (h) => {
      assert.equal((await h.scan(REQ)).action, 'no action');
      assert.equal((await h.scan({ ...REQ, mailFrom: 'other@sender.example' })).action, 'no action');
      assert.equal((await h.scan(REQ)).action, 'no action', 'second of burst 2 for alice; rcpt bucket now empty');
      const r = await h.scan({ ...REQ, mailFrom: 'third@sender.example' });
      assert.equal(r.action, 'reject');
      assert.deepEqual(syms(r), { RATELIMIT_RCPT: ['bob@example.net', '3600s'] });
      assert.equal(r.messages.smtp_message, '550 5.7.1 3600 seconds: too much for this mailbox');
      const both = await h.scan(REQ);
      assert.deepEqual(Object.keys(both.symbols).sort(), ['RATELIMIT_IP_SENDER', 'RATELIMIT_RCPT']);
      assert.equal(both.action, 'reject', 'the most severe forced action wins');
      assert.equal(syms(await h.scan({ ...REQ, rcptTo: ['carol@example.net'], mailFrom: 'x@y.example', user: 'u1' })).RATELIMIT_SASL, undefined);
      assert.deepEqual(syms(await h.scan({ ...REQ, rcptTo: ['dave@example.net'], mailFrom: 'x@y.example', user: 'U1' })).RATELIMIT_SASL, ['u1', '1s']);
    },
  ));

test('a recipient-keyed limit takes one token per recipient of the message', () =>
  withLimits([{ name: 'per_domain', key: ['rcpt'], rate: '1/h', burst: 2 }], async (h) => {
    assert.equal((await h.scan({ ...REQ, rcptTo: ['a@example.net', 'b@example.net'] })).action, 'no action');
    const r = await h.scan({ ...REQ, rcptTo: ['a@example.net', 'b@example.net', 'c@example.net'] });
    assert.equal(r.action, 'no action', 'each recipient bucket still had one token');
    const over = await h.scan({ ...REQ, rcptTo: ['c@example.net', 'a@example.net'] });
    assert.deepEqual(syms(over), { RATELIMIT_PER_DOMAIN: ['a@example.net', '3600s'] });
  }));

test('no limits configured: nothing is taken from the store', async () => {
  const sw = switchableStore();
  sw.down = true;
  await withLimits([], async (h) => assert.deepEqual(syms(await h.scan(REQ)), {}), { store: sw.store });
});

test('store outage: no action, RATELIMIT_STORE_FAIL, one warn line per incident', async () => {
  const sw = switchableStore();
  await withLimits(
    [{ name: 'per_ip', key: ['client_ip'], rate: '1/h', burst: 1 }],
    async (h) => {
      sw.down = true;
      for (let i = 0; i < 5; i++) {
        const r = await h.scan(REQ);
        assert.equal(r.action, 'no action');
        assert.deepEqual(syms(r), { RATELIMIT_STORE_FAIL: ['no action'] });
      }
      const lines = () => h.log.records.filter((r) => r.fields.check === 'ratelimit' && r.level !== 'debug').map((r) => r.level);
      assert.deepEqual(lines(), ['warn']);
      sw.down = false;
      assert.equal((await h.scan(REQ)).action, 'no action');
      assert.equal((await h.scan(REQ)).action, 'soft reject', 'limits apply again once the store answers');
      assert.deepEqual(lines(), ['warn', 'info']);
    },
    { store: sw.store },
  );
});
