// Scans hand-written MIME messages through the real pipeline and checks which mime-structure symbols fire.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scanWith } from '../../core/testing.ts';
import { alternativeMessage, attachmentPart, message, multipartMessage, render, baseHeaders, textPart } from '../test-messages.ts';
import { mimeStructureCheck } from './index.ts';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const MZ = bytes('MZ', [0x90, 0, 3, 0, 0, 0, 4, 0], 'This program cannot be run in DOS mode.');
const PDF = bytes('%PDF-1.4\n%', [0xe2, 0xe3, 0xcf, 0xd3], '\n1 0 obj\n<< /Type /Catalog >>\nendobj\n');
const ZIP = bytes('PK', [3, 4, 20, 0, 0, 0, 8, 0], 'word/document.xml');
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF', [0, 1, 1]);
const BODY = 'Hi Bob,\n\nplease find the quarterly figures attached.\n\nAlice\n';

function withAttachment(filename: string, type: string, content: Uint8Array): string {
  return multipartMessage('mixed', [textPart(BODY), attachmentPart(filename, type, content)]);
}

const cases: Array<{ name: string; raw: string | Uint8Array; expect: Record<string, string[]>; checks?: Record<string, unknown> }> = [
  { name: 'a plain text message', raw: message(), expect: { MIME_GOOD: [] } },
  {
    name: 'text and HTML alternatives that agree',
    raw: alternativeMessage(
      'Hi Bob, are we still on for lunch on Friday at noon? Alice',
      '<html><body><p>Hi Bob,</p><p>are we still on for <b>lunch</b> on Friday at noon?</p><p>Alice</p></body></html>',
    ),
    expect: { MIME_GOOD: [] },
  },
  {
    name: 'HTML without a text alternative',
    raw: message({ contentType: 'text/html; charset=utf-8', body: '<p>Cheap watches, today only</p>' }),
    expect: { MIME_HTML_ONLY: [] },
  },
  {
    name: 'text and HTML alternatives about different things',
    raw: alternativeMessage(
      'The committee meets on Thursday to review the garden budget and planting schedule.',
      '<p>Refinance your mortgage now with rates lower than ever before, click here today</p>',
    ),
    expect: { MIME_PARTS_DIFFER: ['100%'] },
  },
  { name: 'an executable attachment', raw: withAttachment('setup.exe', 'application/octet-stream', MZ), expect: { MIME_BAD_EXTENSION: ['setup.exe'] } },
  {
    name: 'a script attachment',
    raw: withAttachment('payment.js', 'application/javascript', bytes('var x = new ActiveXObject("WScript.Shell");')),
    expect: { MIME_BAD_EXTENSION: ['payment.js'] },
  },
  {
    name: 'an executable behind a document extension',
    raw: withAttachment('invoice.pdf.exe', 'application/octet-stream', MZ),
    expect: { MIME_BAD_EXTENSION: ['invoice.pdf.exe'], MIME_DOUBLE_BAD_EXTENSION: ['invoice.pdf.exe'] },
  },
  {
    name: 'a double extension padded with blanks',
    raw: withAttachment('scan.jpg          .scr', 'application/octet-stream', MZ),
    expect: { MIME_BAD_EXTENSION: ['scan.jpg          .scr'], MIME_DOUBLE_BAD_EXTENSION: ['scan.jpg          .scr'] },
  },
  { name: 'a zip archive', raw: withAttachment('figures.zip', 'application/zip', ZIP), expect: { MIME_ARCHIVE_IN_MESSAGE: ['figures.zip'] } },
  { name: 'an honest PDF', raw: withAttachment('figures.pdf', 'application/pdf', PDF), expect: {} },
  {
    name: 'an honest Word document',
    raw: withAttachment('figures.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ZIP),
    expect: {},
  },
  { name: 'a PDF sent as octet-stream', raw: withAttachment('figures.pdf', 'application/octet-stream', PDF), expect: {} },
  {
    name: 'a photo declared as a program',
    raw: withAttachment('photo.jpg', 'application/x-msdownload', JPEG),
    expect: { MIME_TYPE_EXT_MISMATCH: ['photo.jpg:application/x-msdownload'] },
  },
  {
    name: 'a "PDF" that is a zip',
    raw: withAttachment('figures.pdf', 'application/pdf', ZIP),
    expect: { MIME_MAGIC_MISMATCH: ['figures.pdf:zip'] },
  },
  {
    name: 'a "PDF" that is a Windows program',
    raw: withAttachment('figures.pdf', 'application/pdf', MZ),
    expect: { MIME_HIDDEN_EXECUTABLE: ['figures.pdf:mz'] },
  },
  {
    name: 'a program under an unknown extension',
    raw: withAttachment('data.bin', 'application/octet-stream', MZ),
    expect: { MIME_HIDDEN_EXECUTABLE: ['data.bin:mz'] },
  },
  {
    name: 'a configured bad extension',
    raw: withAttachment('figures.pdf', 'application/pdf', PDF),
    checks: { 'mime-structure': { bad_extensions: ['pdf'] } },
    expect: { MIME_BAD_EXTENSION: ['figures.pdf'] },
  },
  {
    name: 'a Content-Type without a subtype',
    raw: message({ contentType: 'text' }),
    expect: { MIME_BAD_CONTENT_TYPE: ['text'] },
  },
  {
    name: 'an unregistered top-level type',
    raw: message({ contentType: 'foo/bar' }),
    expect: { MIME_BAD_CONTENT_TYPE: ['foo/bar'] },
  },
  {
    name: 'a multipart whose boundary never occurs',
    raw: message({ contentType: 'multipart/mixed; boundary="nowhere"', body: 'just some text\n' }),
    expect: { MIME_BAD_BOUNDARY: [] },
  },
  {
    name: 'a multipart cut off in its second part',
    raw: render(
      [...baseHeaders(), ['Content-Type', 'multipart/mixed; boundary="cut"']],
      '--cut\nContent-Type: text/plain\n\nfirst\n--cut\nContent-Type: application/pdf; name="a.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJVBER',
    ),
    expect: { MIME_UNCLOSED_MULTIPART: [], MIME_TRUNCATED: [] },
  },
  {
    name: 'NUL bytes in the message',
    raw: message({ body: 'hello\u0000\u0000\u0000world\n' }),
    expect: { MIME_BINARY_GARBAGE: [] },
  },
];

describe('mime-structure', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await scanWith([mimeStructureCheck], c.raw, {}, { checks: c.checks });
      const got: Record<string, string[]> = {};
      for (const [name, s] of Object.entries(r.symbols)) got[name] = s.options;
      assert.deepEqual(got, c.expect);
    });
  }

  it('scales MIME_PARTS_DIFFER by distance and honours the configured ratio', async () => {
    const raw = alternativeMessage(
      'Dear member your account statement for March is ready, please review the balance online',
      '<p>Dear member your account statement is ready, claim the prize and wire the fee today</p>',
    );
    const loose = await scanWith([mimeStructureCheck], raw, {}, { checks: { 'mime-structure': { parts_differ_ratio: 0.3 } } });
    const hit = loose.symbols.MIME_PARTS_DIFFER;
    assert.ok(hit && hit.score > 0.3 && hit.score < 1, JSON.stringify(hit));
    const strict = await scanWith([mimeStructureCheck], raw, {}, { checks: { 'mime-structure': { parts_differ_ratio: 0.9 } } });
    assert.equal(strict.symbols.MIME_PARTS_DIFFER, undefined);
  });
});
