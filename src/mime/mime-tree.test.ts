import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTree } from './mime-tree.ts';
import type { TreeNode, TreeResult } from './mime-tree.ts';
import { parseTree as parseTreeWithLibrary } from './postal-tree.ts';
import { brokenMessages } from '../../test/fixtures/broken-messages.ts';

// mime-tree.ts re-implements postal-mime's line walk and transfer decoding; postal-tree.ts runs the
// library's own parser. Both must give the same tree, so every case here is compared with it.
const LIMITS = { maxNestingDepth: 50, maxHeadersSize: 1 << 20 };
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Shape {
  contentType: string;
  params: Record<string, string>;
  disposition: string;
  dispositionParams: Record<string, string>;
  transferEncoding: string;
  multipart: boolean;
  headers: { name: string; value: string }[];
  content?: string;
  text?: string;
  children: Shape[];
}

/** Everything a caller reads; a container's own content (preamble) is not used by anyone. */
function shape(n: TreeNode): Shape {
  const s: Shape = {
    contentType: n.contentType,
    params: n.params,
    disposition: n.disposition,
    dispositionParams: n.dispositionParams,
    transferEncoding: n.transferEncoding,
    multipart: n.multipart,
    headers: n.headers,
    children: n.children.map(shape),
  };
  if (!n.multipart) {
    s.content = Buffer.from(n.content ?? new Uint8Array(0)).toString('hex');
    s.text = n.text();
  }
  return s;
}

function errorKind(r: TreeResult): string {
  if (!r.error) return 'none';
  return /depth/i.test(r.error.message) ? 'depth' : /header/i.test(r.error.message) ? 'header' : 'other';
}

async function assertSameAsLibrary(raw: Uint8Array, limits = LIMITS): Promise<void> {
  const mine = parseTree(raw, limits);
  const lib = await parseTreeWithLibrary(raw, limits);
  assert.equal(errorKind(mine), errorKind(lib));
  assert.deepEqual(shape(mine.root), shape(lib.root));
}

const CASES: [string, string][] = [
  ['single text part, no trailing newline', 'Subject: x\n\nhello'],
  ['CRLF multipart with preamble and epilogue', 'Content-Type: multipart/mixed; boundary="b"\r\n\r\npre\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\nepilogue\r\n'],
  ['nested multiparts', 'Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\n\nplain\n--i\nContent-Type: text/html\n\n<p>x</p>\n--i--\n--o\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--o--\n'],
  ['outer delimiter closes an unclosed inner part', 'Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\n\nA\n--o\n\nB\n--o--\n'],
  ['inner multipart reusing the outer boundary', 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\ninner\n--b--\n--b\n\nafter\n--b--\n'],
  ['delimiter with trailing blanks, and one with junk (content)', 'Content-Type: multipart/mixed; boundary=b\n\n--b \t\n\nx\n--bjunk\n--b-- x\n--b--\t\n'],
  ['`--` lines that are not delimiters stay content', 'Content-Type: multipart/mixed; boundary=b\n\n--b\n\n-- \nsig\n---------\n--c\n--b--\n'],
  ['lines after the close delimiter are ignored', 'Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n--b\n\nlate\n'],
  ['never closed', 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\ncut'],
  ['delimiter while a part is still in its headers', 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n--b\n\nnext\n--b--\n'],
  ['multipart without boundary parameter', 'Content-Type: multipart/mixed\n\n--x\n\nhello\n--x--\n'],
  ['digest parts default to message/rfc822', 'Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: inner\n\nbody\n--d--\n'],
  ['quoted-printable with soft breaks and CRLF', 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9 =\r\nnext=3D =ZZ\r\n'],
  ['base64 padded on every line', 'Content-Transfer-Encoding: base64\n\nQQ==\nQg==\n'],
  ['base64 with junk and a cut quantum', 'Content-Transfer-Encoding: base64\n\nSGVs!bG8g\nd29y'],
  ['odd transfer-encoding tokens', 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: (comment) base64\n\nQUJD\n--b\nContent-Transfer-Encoding: x-uuencode\n\nbegin\n--b\nContent-Transfer-Encoding: "quoted-printable"\n\na=3Db\n--b--\n'],
  ['duplicate content headers: the first wins', 'Content-Type: text/plain\nContent-Type: text/html\nContent-Transfer-Encoding: 7bit\nContent-Transfer-Encoding: base64\n\nQUJD\n'],
  ['folded content-type, RFC 2231 filename', 'Content-Type: application/octet-stream;\n\tname*0="Annual ";\n name*1="Report.pdf"\nContent-Disposition: attachment; filename*=utf-8\'\'R%C3%A9sum%C3%A9.pdf\n\nx\n'],
  ['format=flowed and charsets', 'Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\nHello \nworld\n> quoted\n'],
  ['unknown charset falls back', 'Content-Type: text/plain; charset=x-klingon\n\n\xe9t\xe9\n'],
  ['UTF-16 body', 'Content-Type: text/plain; charset=utf-16le\nContent-Transfer-Encoding: base64\n\nSABpAA==\n'],
  ['CR-only line breaks', 'Subject: cr\rContent-Type: text/plain\r\rbody\r'],
  ['header lines with a BOM and a missing colon', '\ufeffContent-Type: text/html\nX Bad\n\nx\n'],
  ['empty input', ''],
  ['headers only', 'Content-Type: text/plain'],
];

test('parseTree gives the same tree as postal-mime', async (t) => {
  for (const [name, raw] of CASES) {
    // Latin-1 so that bytes above 0x7f in the cases are single raw bytes, as on the wire.
    await t.test(name, () => assertSameAsLibrary(Buffer.from(raw, 'latin1')));
  }
});

test('parseTree gives the same tree as postal-mime on the broken-message set', async (t) => {
  for (const m of brokenMessages()) await t.test(m.name, () => assertSameAsLibrary(m.raw));
});

test('parseTree stops at the limits like the library, keeping what was read', async () => {
  let deep = '';
  for (let i = 0; i < 60; i++) deep += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
  await assertSameAsLibrary(enc(`${deep}Content-Type: text/plain\r\n\r\ndeep\r\n`));
  const { error } = parseTree(enc(deep), LIMITS);
  assert.match(error?.message ?? '', /depth/i);

  const bigHeaders = `X-A: ${'a'.repeat(600)}\nX-B: ${'b'.repeat(600)}\n\nbody\n`;
  await assertSameAsLibrary(enc(bigHeaders), { maxNestingDepth: 50, maxHeadersSize: 1000 });
  assert.match(parseTree(enc(bigHeaders), { maxNestingDepth: 50, maxHeadersSize: 1000 }).error?.message ?? '', /header/i);
});

test('rootContentFieldsOnly hands only the Content-* fields of the top block to the library', () => {
  const raw = enc(
    [
      'Received: from a by b;',
      ' content-type: not a field of its own',
      'Subject: x',
      'content-TYPE: multipart/mixed;',
      '\tboundary=zz',
      'Content-Transfer-Encoding: 7bit',
      '',
      '--zz',
      'Content-Type: text/plain',
      'X-Part: kept',
      '',
      'hi',
      '--zz--',
      '',
    ].join('\n'),
  );
  const full = parseTree(raw, LIMITS);
  const lean = parseTree(raw, LIMITS, { rootContentFieldsOnly: true });
  assert.deepEqual(
    lean.root.headers.map((h) => h.name),
    ['content-TYPE', 'Content-Transfer-Encoding'],
  );
  assert.equal(full.root.headers.length, 4);
  assert.equal(lean.root.params.boundary, 'zz');
  // Parts below the root keep all their fields.
  assert.deepEqual(shape(lean.root.children[0]), shape(full.root.children[0]));
  assert.deepEqual(lean.root.children[0].headers.map((h) => h.name), ['Content-Type', 'X-Part']);
});
