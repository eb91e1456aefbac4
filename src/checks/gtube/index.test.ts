// Checks that each GTUBE variant forces its action through the real pipeline, wherever in the body it sits.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scanWith } from '../../core/testing.ts';
import { alternativeMessage, attachmentPart, message, multipartMessage, textPart } from '../test-messages.ts';
import { GTUBE_SCAN_CHARS, findGtube, gtubeCheck } from './index.ts';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const GTUBE_ADD_HEADER = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-ADD-HEADER*C.34X';
const GTUBE_REWRITE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-REWRITE-SUBJECT*C.34X';

describe('gtube', () => {
  const cases: Array<{ name: string; raw: string; action: string }> = [
    { name: 'standard string in a text body', raw: message({ body: `This is the GTUBE test.\n\n${GTUBE}\n` }), action: 'reject' },
    { name: 'base64-encoded text body', raw: message({ encoding: 'base64', body: Buffer.from(`test\n${GTUBE}\n`).toString('base64') }), action: 'reject' },
    { name: 'inside the HTML alternative', raw: alternativeMessage('nothing here', `<p>${GTUBE}</p>`), action: 'reject' },
    {
      name: 'in an attachment the parser does not treat as text',
      raw: multipartMessage('mixed', [textPart('see attached'), { headers: [['Content-Type', 'application/x-test']], body: GTUBE }]),
      action: 'reject',
    },
    { name: 'add-header variant', raw: message({ body: `${GTUBE_ADD_HEADER}\n` }), action: 'add header' },
    { name: 'rewrite-subject variant', raw: message({ body: `${GTUBE_REWRITE}\n` }), action: 'rewrite subject' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await scanWith([gtubeCheck], c.raw);
      assert.equal(r.action, c.action);
      assert.deepEqual(r.symbols.GTUBE?.options, [c.action]);
      assert.equal(r.symbols.GTUBE?.score, 0);
      assert.equal(r.forced?.module, 'gtube');
    });
  }

  it('rewrites the subject for the rewrite-subject variant', async () => {
    const r = await scanWith([gtubeCheck], message({ body: `${GTUBE_REWRITE}\n` }));
    assert.equal(r.subject, '***SPAM*** Lunch on Friday');
  });

  it('sets the SMTP message for the standard string', async () => {
    const r = await scanWith([gtubeCheck], message({ body: GTUBE }));
    assert.equal(r.messages.smtp_message, 'Gtube pattern');
  });

  it('ignores mail without the string, or with a damaged one', async () => {
    for (const body of ['hello', GTUBE.replace('EMAIL', 'MAIL'), GTUBE.slice(0, -1)]) {
      const r = await scanWith([gtubeCheck], message({ body }));
      assert.equal(r.action, 'no action', body);
      assert.equal(r.symbols.GTUBE, undefined);
    }
  });

  it('ignores the string in a binary attachment', async () => {
    const raw = multipartMessage('mixed', [textPart('see attached'), attachmentPart('x.bin', 'application/octet-stream', GTUBE)]);
    const r = await scanWith([gtubeCheck], raw);
    assert.equal(r.action, 'no action');
  });

  it('only looks at the first GTUBE_SCAN_CHARS characters', () => {
    assert.equal(findGtube(`${'x'.repeat(GTUBE_SCAN_CHARS - GTUBE.length)}${GTUBE}`), 'reject');
    assert.equal(findGtube(`${'x'.repeat(GTUBE_SCAN_CHARS)}${GTUBE}`), undefined);
  });

  it('finds the string after a decoy prefix', () => {
    assert.equal(findGtube(`${GTUBE.slice(0, 60)} and then ${GTUBE_ADD_HEADER}`), 'add header');
  });
});
