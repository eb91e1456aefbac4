// Table tests for reading Outlook X-Mailer values, boundaries and Message-ID shapes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundaryOf, outlookFamily, outlookMismatches } from './outlook.ts';

describe('outlookFamily', () => {
  const table: Array<[string, ReturnType<typeof outlookFamily>]> = [
    ['Microsoft Outlook Express 6.00.2800.1106', 'express'],
    ['Microsoft Outlook Express 5.50.4133.2400', 'express'],
    ['Microsoft Outlook Express Macintosh Edition - 4.5 (0410)', undefined],
    ['Microsoft Outlook IMO, Build 9.0.2416 (9.0.2911.0)', 'imo'],
    ['Microsoft Outlook CWS, Build 9.0.2416 (9.0.2910.0)', 'outlook'],
    ['Microsoft Outlook, Build 10.0.2627', 'outlook'],
    ['Microsoft Office Outlook 11', 'outlook'],
    ['Microsoft Outlook 16.0', 'outlook'],
    ['Microsoft Outlook 8.5, Build 4.71.2173.0', undefined],
    ['Microsoft-MacOutlook/16.89.24091630', undefined],
    ['Mozilla Thunderbird', undefined],
  ];
  for (const [value, family] of table) it(value, () => assert.equal(outlookFamily(value), family));
});

describe('boundaryOf', () => {
  const table: Array<[string, string | undefined]> = [
    ['multipart/alternative; boundary="----=_NextPart_000_0007_01C2B4F3.5E6F7A80"', '----=_NextPart_000_0007_01C2B4F3.5E6F7A80'],
    ['multipart/mixed; charset=x; boundary=abc123', 'abc123'],
    ['multipart/mixed;\tBOUNDARY = "q"', 'q'],
    ['text/plain; charset=utf-8', undefined],
  ];
  for (const [value, b] of table) it(value, () => assert.equal(boundaryOf(value), b));
});

describe('outlookMismatches', () => {
  const table: Array<[Parameters<typeof outlookMismatches>, string[]]> = [
    [['express', '001a01c2b4f3$5e6f7a80$0100a8c0@pc1', undefined], []],
    [['outlook', '000001cd0a6b$43f3ddc0$cbdb9940$@example.com', undefined], []],
    [['express', '200208231234.g7NCYZx12345@mail.example.com', undefined], ['message-id']],
    [['imo', '001a01c2b4f3$5e6f7a80$0100a8c0@pc1', undefined], ['message-id']],
    [['express', undefined, 'NS_MAIL_BOUNDARY_42'], ['boundary']],
    [['express', undefined, undefined], []],
  ];
  for (const [args, want] of table) it(args.map(String).join(' | '), () => assert.deepEqual(outlookMismatches(...args), want));
});
