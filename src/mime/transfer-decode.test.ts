import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase64, decodeIdentity, decodeQuotedPrintable } from './transfer-decode.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** Decodes `s` placed in the middle of other bytes, so offsets are exercised too. */
function inMiddle(fn: typeof decodeIdentity, s: string): string {
  const pad = 'XX\n';
  const raw = enc(pad + s + pad);
  return str(fn(raw, pad.length, pad.length + enc(s).length));
}

test('decodeIdentity: lines end in one LF, carriage returns at line ends dropped', async (t) => {
  const cases: [string, string, string][] = [
    ['empty range', '', ''],
    ['LF lines kept as they are', 'a\nb\n', 'a\nb\n'],
    ['last line without break gets one', 'a\nb', 'a\nb\n'],
    ['CRLF becomes LF', 'a\r\nb\r\n', 'a\nb\n'],
    ['runs of CR before LF all go', 'a\r\r\nb', 'a\nb\n'],
    ['CR inside a line stays', 'a\rb\r\n', 'a\rb\n'],
    ['trailing CR at the end of the data goes', 'a\r', 'a\n'],
    ['blank lines kept', '\n\n', '\n\n'],
  ];
  for (const [name, input, out] of cases) await t.test(name, () => assert.equal(inMiddle(decodeIdentity, input), out));
});

test('decodeIdentity returns plain Uint8Arrays even over a Buffer', () => {
  const out = decodeIdentity(Buffer.from('hello\n'), 0, 6);
  assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
});

test('decodeQuotedPrintable: escapes, soft breaks, invalid escapes kept', async (t) => {
  const cases: [string, string, string][] = [
    ['escapes decode', 'caf=E9 =3D=3d\n', 'caf\xe9 ==\n'],
    ['soft break joins lines', 'long=\nline\n', 'longline\n'],
    ['soft break before CRLF', 'long=\r\nline\r\n', 'longline\n'],
    ['invalid escape stays literal', '=ZZ and =4\n', '=ZZ and =4\n'],
    ['escape cut by the soft break stays literal', 'ab=4=\nc\n', 'ab=4c\n'],
    ['`=` followed by blanks is no soft break', 'a= \nb\n', 'a= \nb\n'],
    ['last line without break', 'x=41', 'xA\n'],
    ['empty', '', ''],
  ];
  for (const [name, input, out] of cases) await t.test(name, () => assert.equal(inMiddle(decodeQuotedPrintable, input), out));
});

test('decodeBase64: junk ignored, padding ends units, stray characters dropped', async (t) => {
  const cases: [string, string, string][] = [
    ['plain', 'SGVsbG8g\nd29ybGQ=\n', 'Hello world'],
    ['CRLF and blanks ignored', 'SGVs bG8=\r\n', 'Hello'],
    ['junk characters ignored', 'SG!Vs*bG8=', 'Hello'],
    ['every line padded decodes unit by unit', 'QQ==\nQg==\nQw==\n', 'ABC'],
    ['no padding at the end', 'QUJD\nRA\n', 'ABCD'],
    ['one stray character cannot make a byte', 'QUJDR', 'ABC'],
    ['empty', '', ''],
    ['only padding', '====', ''],
  ];
  for (const [name, input, out] of cases) await t.test(name, () => assert.equal(inMiddle(decodeBase64, input), out));
});
