import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanBody, looksBinary } from './raw-scan.ts';
import type { MimeAnomaly } from './model.ts';

const mp = (parts: string, close = true): string =>
  `--b1\r\n${parts}\r\n${close ? '--b1--\r\n' : ''}`;

test('scanBody finds structural and encoding damage', async (t) => {
  const cases: { name: string; body: string; cte?: string; boundaries?: string[]; found: MimeAnomaly[] }[] = [
    { name: 'clean multipart', body: mp('Content-Type: text/plain\r\n\r\nhello'), boundaries: ['b1'], found: [] },
    { name: 'boundary with trailing blanks still counts', body: '--b1  \r\n\r\nx\r\n--b1--\t\r\n', boundaries: ['b1'], found: [] },
    { name: 'never closed', body: mp('\r\nhello', false), boundaries: ['b1'], found: ['UNCLOSED_MULTIPART'] },
    { name: 'declared, never used', body: 'just text\r\n', boundaries: ['b1'], found: ['MISSING_BOUNDARY'] },
    {
      name: 'nested close missing but outer closed',
      body: '--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\n\r\nx\r\n--b1--\r\n',
      boundaries: ['b1', 'b2'],
      found: ['UNCLOSED_MULTIPART'],
    },
    { name: 'cut inside part headers', body: '--b1\r\nContent-Type: text/pl', boundaries: ['b1'], found: ['TRUNCATED', 'UNCLOSED_MULTIPART'] },
    {
      name: 'cut inside a base64 quantum',
      body: '--b1\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29ybGQ=\r\nSGVsb',
      boundaries: ['b1'],
      found: ['TRUNCATED', 'UNCLOSED_MULTIPART'],
    },
    { name: 'valid top-level base64', body: 'SGVsbG8g\r\nd29ybGQ=\r\n', cte: 'base64', found: [] },
    { name: 'invalid base64 characters', body: 'SGVs*bG8g!\r\n', cte: 'base64', found: ['BAD_TRANSFER_ENCODING'] },
    { name: 'valid QP with soft breaks', body: 'caf=E9 =\r\nnext=3D\r\n', cte: 'quoted-printable', found: [] },
    { name: 'invalid QP escape', body: 'price =ZZ here\r\n', cte: 'quoted-printable', found: ['BAD_TRANSFER_ENCODING'] },
    {
      name: 'part encoding read from part headers',
      body: mp('Content-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n--b1\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@@'),
      boundaries: ['b1'],
      found: ['BAD_TRANSFER_ENCODING'],
    },
    {
      name: 'a `--` line in a base64 part that is no delimiter is checked as content',
      body: mp('Content-Transfer-Encoding: base64\r\n\r\nSGVs\r\n--notb1\r\nbG8='),
      boundaries: ['b1'],
      found: ['BAD_TRANSFER_ENCODING'],
    },
    { name: 'top-level base64 without boundaries: `--` lines are content', body: 'SGVs\r\n--wxyz\r\n', cte: 'base64', found: ['BAD_TRANSFER_ENCODING'] },
    { name: 'QP `=` before a CR inside a line', body: 'a=\rb\r\n', cte: 'quoted-printable', found: ['BAD_TRANSFER_ENCODING'] },
    { name: 'QP soft break with blanks before CRLF', body: 'a= \t\r\nb=\n', cte: 'quoted-printable', found: [] },
    { name: 'QP escape cut at the end of a line', body: 'a=4\nb\n', cte: 'quoted-printable', found: ['BAD_TRANSFER_ENCODING'] },
    {
      name: 'plain part between encoded ones is skipped, the next part checked',
      body: mp('Content-Transfer-Encoding: 7bit\r\n\r\n=ZZ !!\r\n--b1\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\nQQ', false),
      boundaries: ['b1'],
      found: ['TRUNCATED', 'UNCLOSED_MULTIPART'],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.deepEqual(scanBody(c.body, c.cte ?? '', c.boundaries ?? []).sort(), [...c.found].sort());
    });
  }
});

test('scanBody reads bytes as windows-1252: NBSP counts as blank in base64, other high bytes do not', () => {
  const body = (b: number): Uint8Array => new Uint8Array([...Buffer.from('SGVs'), b, ...Buffer.from('bG8=\r\n')]);
  assert.deepEqual(scanBody(body(0xa0), 'base64', []), []);
  assert.deepEqual(scanBody(body(0x85), 'base64', []), ['BAD_TRANSFER_ENCODING']);
});

test('looksBinary', async (t) => {
  const cases: [string, Uint8Array, boolean][] = [
    ['text', new TextEncoder().encode('Subject: hi\r\n\r\nhello\tworld\f\x1b'), false],
    ['a NUL byte', new Uint8Array([0x41, 0x00, 0x42]), true],
    ['mostly control bytes', new Uint8Array(200).fill(0x01), true],
    ['empty', new Uint8Array(0), false],
  ];
  for (const [name, bytes, binary] of cases) await t.test(name, () => assert.equal(looksBinary(bytes), binary));
});
