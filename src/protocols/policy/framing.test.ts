import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ATTRIBUTES, MAX_LINE_BYTES, PolicyFramer, type PolicyAttributes } from './framing.ts';

function feedAll(chunks: (string | Buffer)[]): { requests: PolicyAttributes[]; error: string | undefined } {
  const f = new PolicyFramer();
  const requests: PolicyAttributes[] = [];
  for (const c of chunks) requests.push(...f.feed(typeof c === 'string' ? Buffer.from(c) : c));
  return { requests: requests.map((r) => ({ ...r })), error: f.error };
}

const cases: { name: string; chunks: (string | Buffer)[]; want: PolicyAttributes[]; error?: string }[] = [
  { name: 'one request', chunks: ['request=smtpd_access_policy\nsender=a@b\n\n'], want: [{ request: 'smtpd_access_policy', sender: 'a@b' }] },
  { name: 'no empty line yet: nothing', chunks: ['a=1\nb=2\n'], want: [] },
  { name: 'two in one chunk', chunks: ['a=1\n\nb=2\n\n'], want: [{ a: '1' }, { b: '2' }] },
  { name: 'split inside a name and a value', chunks: ['sen', 'der=x@', 'y\n', '\n'], want: [{ sender: 'x@y' }] },
  { name: 'split between LF and the empty line', chunks: ['a=1\n', '\n'], want: [{ a: '1' }] },
  { name: 'empty value kept (null sender)', chunks: ['sender=\n\n'], want: [{ sender: '' }] },
  { name: 'value may contain =', chunks: ['ccert_subject=CN=x+3Dy\n\n'], want: [{ ccert_subject: 'CN=x+3Dy' }] },
  { name: 'repeated name keeps the first', chunks: ['a=1\na=2\n\n'], want: [{ a: '1' }] },
  { name: 'CRLF from a hand-typed session', chunks: ['a=1\r\n\r\n'], want: [{ a: '1' }] },
  { name: 'stray empty lines between requests ignored', chunks: ['\n\na=1\n\n\n'], want: [{ a: '1' }] },
  { name: 'line without = ignored', chunks: ['garbage\na=1\n\n'], want: [{ a: '1' }] },
  { name: 'UTF-8 split across chunks', chunks: [Buffer.from('s=é\n\n').subarray(0, 3), Buffer.from('s=é\n\n').subarray(3)], want: [{ s: 'é' }] },
  { name: 'line of exactly the limit', chunks: [`a=${'x'.repeat(MAX_LINE_BYTES - 3)}\n\n`], want: [{ a: 'x'.repeat(MAX_LINE_BYTES - 3) }] },
  { name: 'line one byte over the limit', chunks: [`a=${'x'.repeat(MAX_LINE_BYTES - 2)}\n\n`], want: [], error: 'line too long' },
  { name: 'overlong line without LF, in pieces', chunks: ['a=', 'x'.repeat(MAX_LINE_BYTES / 2), 'x'.repeat(MAX_LINE_BYTES / 2)], want: [], error: 'line too long' },
  { name: 'requests before an overlong line still come out', chunks: [`a=1\n\nb=${'x'.repeat(MAX_LINE_BYTES)}\n`], want: [{ a: '1' }], error: 'line too long' },
  {
    name: 'attribute count limit',
    chunks: [Array.from({ length: MAX_ATTRIBUTES + 1 }, (_, i) => `n${i}=v\n`).join('') + '\n'],
    want: [],
    error: 'too many attributes',
  },
  { name: 'exactly the attribute limit', chunks: [Array.from({ length: MAX_ATTRIBUTES }, (_, i) => `n${i}=v\n`).join('') + '\n'], want: [Object.fromEntries(Array.from({ length: MAX_ATTRIBUTES }, (_, i) => [`n${i}`, 'v']))] },
];

for (const c of cases) {
  test(`framing: ${c.name}`, () => {
    const got = feedAll(c.chunks);
    assert.deepEqual(got.requests, c.want);
    assert.equal(got.error, c.error);
  });
}

test('framing: after an error nothing more is parsed', () => {
  const f = new PolicyFramer();
  f.feed(Buffer.from(`a=${'x'.repeat(MAX_LINE_BYTES)}\n`));
  assert.equal(f.error, 'line too long');
  assert.deepEqual(f.feed(Buffer.from('b=1\n\n')), []);
});

test('framing: midRequest tracks a started, unfinished request', () => {
  const f = new PolicyFramer();
  assert.equal(f.midRequest, false);
  f.feed(Buffer.from('a=1\nb'));
  assert.equal(f.midRequest, true);
  f.feed(Buffer.from('=2\n\n'));
  assert.equal(f.midRequest, false);
});

test('framing: attribute names like __proto__ are plain keys', () => {
  const { requests } = feedAll(['__proto__=x\nconstructor=y\n\n']);
  assert.equal(requests[0].__proto__, 'x');
  assert.equal(requests[0].constructor, 'y');
});
