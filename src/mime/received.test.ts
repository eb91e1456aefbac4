import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReceived } from './received.ts';
import type { ReceivedHop } from './model.ts';

// Shapes written by hand after the formats each MTA documents and emits; addresses are from the
// documentation ranges (RFC 5737, RFC 3849) or the SpamAssassin corpus headers.
const cases: { name: string; value: string; hop: Omit<ReceivedHop, 'raw'> }[] = [
  {
    name: 'Postfix',
    value:
      'from mail.example.com (mail.example.com [192.0.2.1]) by mx.example.org (Postfix) with ESMTPS id 4AB12CD for <user@example.org>; Tue, 1 Jan 2019 10:00:00 +0000 (UTC)',
    hop: { from: 'mail.example.com', fromRdns: 'mail.example.com', fromIp: '192.0.2.1', by: 'mx.example.org', with: 'ESMTPS', id: '4AB12CD', for: 'user@example.org', date: new Date('2019-01-01T10:00:00Z') },
  },
  {
    name: 'Postfix, no reverse DNS',
    value: 'from helo.example (unknown [198.51.100.7])\tby mx.example.org (Postfix) with SMTP id 9F; Thu, 22 Aug 2002 13:24:37 -0400',
    hop: { from: 'helo.example', fromIp: '198.51.100.7', by: 'mx.example.org', with: 'SMTP', id: '9F', date: new Date('2002-08-22T17:24:37Z') },
  },
  {
    name: 'Postfix, IPv6',
    value: 'from mail.example (mail.example [IPv6:2001:DB8::1]) by mx.example.org (Postfix) with ESMTP id X1; Tue, 1 Jan 2019 10:00:00 +0000',
    hop: { from: 'mail.example', fromRdns: 'mail.example', fromIp: '2001:db8::1', by: 'mx.example.org', with: 'ESMTP', id: 'X1', date: new Date('2019-01-01T10:00:00Z') },
  },
  {
    name: 'Sendmail with ident and may-be-forged',
    value: 'from helo.example (user@rdns.example.net [192.0.2.9] (may be forged)) by mx.example.org (8.15.2/8.15.2) with ESMTP id x01ABC; Tue, 1 Jan 2019 10:00:00 +0100',
    hop: { from: 'helo.example', fromRdns: 'rdns.example.net', fromIp: '192.0.2.9', by: 'mx.example.org', with: 'ESMTP', id: 'x01ABC', date: new Date('2019-01-01T09:00:00Z') },
  },
  {
    name: 'Exim with rDNS, port and helo=',
    value: 'from rdns.example.net ([192.0.2.5]:41234 helo=helo.example) by mx.example.org with esmtps (TLS1.2) tls TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (Exim 4.92) (envelope-from <a@example.net>) id 1hABCD-0001-XY for u@example.org; Tue, 01 Jan 2019 10:00:00 +0000',
    hop: { from: 'helo.example', fromRdns: 'rdns.example.net', fromIp: '192.0.2.5', by: 'mx.example.org', with: 'esmtps tls TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', id: '1hABCD-0001-XY', for: 'u@example.org', date: new Date('2019-01-01T10:00:00Z') },
  },
  {
    name: 'Exim without rDNS',
    value: 'from [192.0.2.6] (helo=pc42) by mx.example.org with smtp (Exim 4.50) id 1A2B3C-0004aB-00; Tue, 01 Jan 2019 10:00:00 +0000',
    hop: { from: 'pc42', fromIp: '192.0.2.6', by: 'mx.example.org', with: 'smtp', id: '1A2B3C-0004aB-00', date: new Date('2019-01-01T10:00:00Z') },
  },
  {
    name: 'qmail from network',
    value: 'from unknown (HELO mail.example.com) (192.0.2.44) by mx.example.org with SMTP; 1 Jan 2019 10:00:00 -0000',
    hop: { from: 'mail.example.com', fromIp: '192.0.2.44', by: 'mx.example.org', with: 'SMTP', date: new Date('2019-01-01T10:00:00Z') },
  },
  {
    name: 'qmail with rDNS and ident',
    value: 'from rdns.example.com (HELO helo.example) (joe@192.0.2.45) by mx.example.org with SMTP; 1 Jan 2019 10:00:00 -0000',
    hop: { from: 'helo.example', fromRdns: 'rdns.example.com', fromIp: '192.0.2.45', by: 'mx.example.org', with: 'SMTP', date: new Date('2019-01-01T10:00:00Z') },
  },
  {
    name: 'qmail local invocation',
    value: '(qmail 12345 invoked by uid 500); 1 Jan 2019 10:00:00 -0000',
    hop: { date: new Date('2019-01-01T10:00:00Z') },
  },
  {
    name: 'Exchange internal hop',
    value: 'from EXCH01.corp.example.com (10.0.0.1) by EXCH02.corp.example.com (10.0.0.2) with Microsoft SMTP Server (TLS) id 15.0.1497.2; Mon, 1 Jan 2019 10:00:00 +0000',
    hop: { from: 'EXCH01.corp.example.com', fromIp: '10.0.0.1', by: 'exch02.corp.example.com', with: 'Microsoft SMTP Server', id: '15.0.1497.2', date: new Date('2019-01-01T10:00:00Z') },
  },
  {
    name: 'Exchange Online, IPv6 without brackets',
    value: 'from DM6PR11MB1234.namprd11.prod.outlook.com (2603:10b6:5:1c0::25) by DM6PR11MB5678.namprd11.prod.outlook.com with HTTPS; Mon, 1 Jan 2019 10:00:00 +0000',
    hop: { from: 'DM6PR11MB1234.namprd11.prod.outlook.com', fromIp: '2603:10b6:5:1c0::25', by: 'dm6pr11mb5678.namprd11.prod.outlook.com', with: 'HTTPS', date: new Date('2019-01-01T10:00:00Z') },
  },
  {
    name: 'Gmail inbound',
    value: 'from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id a1sor123.2019.01.01.10.00.00 for <u@gmail.com> (Google Transport Security); Tue, 01 Jan 2019 10:00:00 -0800 (PST)',
    hop: { from: 'mail-sor-f41.google.com', fromRdns: 'mail-sor-f41.google.com', fromIp: '209.85.220.41', by: 'mx.google.com', with: 'SMTPS', id: 'a1sor123.2019.01.01.10.00.00', for: 'u@gmail.com', date: new Date('2019-01-01T18:00:00Z') },
  },
  {
    name: 'Gmail internal, no from clause',
    value: 'by 2002:a05:6a10:a0d1:0:0:0:0 with SMTP id z17csp1234pxa; Tue, 1 Jan 2019 10:00:00 -0800 (PST)',
    hop: { by: '2002:a05:6a10:a0d1:0:0:0:0', with: 'SMTP', id: 'z17csp1234pxa', date: new Date('2019-01-01T18:00:00Z') },
  },
  {
    name: 'fetchmail, literal outside a comment',
    value: 'from mail.webnote.net [193.120.211.219]\tby localhost with POP3 (fetchmail-5.9.0)\tfor zzzz@localhost (single-drop); Thu, 22 Aug 2002 18:28:06 +0100 (IST)',
    hop: { from: 'mail.webnote.net', fromIp: '193.120.211.219', by: 'localhost', with: 'POP3', for: 'zzzz@localhost', date: new Date('2002-08-22T17:28:06Z') },
  },
  {
    name: 'garbage',
    value: 'complete nonsense without structure',
    hop: {},
  },
  {
    name: 'empty',
    value: '',
    hop: {},
  },
];

test('parseReceived reads the trace shapes of common MTAs', async (t) => {
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.deepEqual(parseReceived(c.value), { raw: c.value, ...c.hop });
    });
  }
});

test('parseReceived cuts absurdly long values', () => {
  const hop = parseReceived(`from a (${'x'.repeat(100_000)})`);
  assert.ok(hop.raw.length <= 4096);
});
