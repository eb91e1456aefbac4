import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTree } from './postal-tree.ts';

// Pins the postal-mime internals postal-tree.ts reads: if an upgrade moves them, this fails first.
const LIMITS = { maxNestingDepth: 50, maxHeadersSize: 1 << 20 };

test('parseTree exposes the part tree with decoded content', async () => {
  const raw = new TextEncoder().encode(
    [
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'caf=E9',
      '--outer',
      'Content-Type: application/octet-stream; name="a.bin"',
      'Content-Disposition: attachment; filename="a.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      'AAECAw==',
      '--outer--',
      '',
    ].join('\r\n'),
  );
  const { root, error } = await parseTree(raw, LIMITS);
  assert.equal(error, undefined);
  assert.equal(root.contentType, 'multipart/mixed');
  assert.equal(root.multipart, true);
  assert.equal(root.params.boundary, 'outer');
  assert.equal(root.children.length, 2);
  const [text, bin] = root.children;
  assert.equal(text.contentType, 'text/plain');
  assert.equal(text.transferEncoding, 'quoted-printable');
  assert.equal(text.text().trim(), 'café');
  assert.equal(bin.disposition, 'attachment');
  assert.equal(bin.dispositionParams.filename, 'a.bin');
  assert.deepEqual([...(bin.content ?? [])], [0, 1, 2, 3]);
  assert.deepEqual(root.headers[0], { name: 'Content-Type', value: 'multipart/mixed; boundary="outer"' });
});

test('parseTree returns the partial tree when the library gives up on nesting', async () => {
  const depth = 60;
  let raw = '';
  for (let i = 0; i < depth; i++) raw += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
  raw += 'Content-Type: text/plain\r\n\r\ndeep\r\n';
  const { root, error } = await parseTree(new TextEncoder().encode(raw), LIMITS);
  assert.match(error?.message ?? '', /depth/i);
  let d = 0;
  for (let n = root; n.children.length > 0; n = n.children[0]) d++;
  assert.ok(d >= LIMITS.maxNestingDepth - 1, `partial tree depth ${d}`);
});
