// Checks that the shipped rule pack fires on hand-written spam samples of each family and stays quiet on plain mail.
// Fixtures are written for this test (no corpus messages); the corpus-wide hit rates live in bench/rules/hit-rates.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../mime/parse.ts';
import { DEFAULT_MIME_LIMITS } from '../../mime/model.ts';
import { DEFAULT_PACK, loadRulePack } from './compile.ts';
import { matchingRules } from './evaluate.ts';

const pack = loadRulePack({ files: [DEFAULT_PACK], atoms: {}, rules: {} }, process.cwd());

function message(headers: Record<string, string>, body: string, contentType = 'text/plain; charset=utf-8'): Uint8Array {
  const h = Object.entries({ From: 'sender@example.com', To: 'you@example.net', Date: 'Mon, 2 Sep 2024 10:00:00 +0000', 'Message-ID': '<1@example.com>', ...headers });
  return new TextEncoder().encode(`${h.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\nContent-Type: ${contentType}\r\n\r\n${body}\r\n`);
}

const CASES: { name: string; raw: Uint8Array; expect: string[] }[] = [
  {
    name: 'phishing',
    raw: message(
      { Subject: 'Urgent: your account has been suspended' },
      'Dear Customer,\n\nWe detected unauthorized access. Your account has been suspended.\nPlease verify your account information: click the link below to log in and confirm your password.\nhttp://198.51.100.23/paypal/login\n',
    ),
    expect: ['PHISH_VERIFY_THREAT', 'PHISH_CLICK_LOGIN', 'PHISH_URGENT_ACCOUNT', 'MKT_DEAR_NOBODY', 'URL_IP_LITERAL'],
  },
  {
    name: 'advance fee',
    raw: message(
      { Subject: 'CONFIDENTIAL BUSINESS PROPOSAL' },
      'I am the son of the late minister. The sum of US$ 25,500,000 is in a foreign account and I need your help to transfer the funds.\nYou will receive 20% of the total sum for your assistance. Reply in strictest confidence. Lagos, Nigeria.\n',
    ),
    expect: ['FIN_ADVANCE_FEE', 'FIN_ADVANCE_FEE_REGION', 'FIN_URGENT_PROPOSAL'],
  },
  {
    name: 'lottery',
    raw: message({ Subject: 'Winning notification' }, 'Congratulations, you have won the international lottery. Contact our claims agent to claim your prize.\n'),
    expect: ['FIN_LOTTERY'],
  },
  {
    name: 'obfuscated pharma',
    raw: message({ Subject: 'V.i.a.g.r.a at half price' }, 'Get v1agra now, no prescription needed! Online pharmacy.\n'),
    expect: ['OBF_SUBJECT', 'OBF_DRUG_LEET', 'PHARMA_ONLINE_RX'],
  },
  {
    name: 'numeric and credential URLs',
    raw: message({ Subject: 'see this' }, 'Go to http://3221225985/offer or http://www.bank.example@203.0.113.5/ now.\n'),
    expect: ['URL_NUMERIC_HOST', 'URL_USERINFO', 'URL_IP_LITERAL'],
  },
  {
    name: 'image-only HTML with hidden text',
    raw: message(
      { Subject: 'New arrivals' },
      '<html><body><a href="http://shop.example/"><img src="http://shop.example/a.jpg"></a><div style="display:none">random words to fool filters</div></body></html>',
      'text/html; charset=utf-8',
    ),
    expect: ['HTML_IMAGE_ONLY', 'HTML_HIDDEN_TEXT'],
  },
  {
    name: 'bulk marketing',
    raw: message(
      { Subject: 'ADV: Lowest rates ever!!!                      8812', 'X-Mailer': 'Advanced Mass Sender 4.1' },
      'This email is not spam. To be removed from our mailing list reply with REMOVE in the subject.\n',
    ),
    expect: ['MKT_ADV_SUBJECT', 'HDR_BULK_MAILER', 'MKT_NOT_SPAM_CLAIM', 'MKT_REMOVE_INSTRUCTIONS', 'HDR_SUBJECT_TRACKING'],
  },
];

test('each spam family triggers its rules', async () => {
  for (const c of CASES) {
    const got = matchingRules(pack, await parseMessage(c.raw, DEFAULT_MIME_LIMITS));
    for (const s of c.expect) assert.ok(got.includes(s), `${c.name}: expected ${s}, got ${got.join(', ')}`);
  }
});

test('plain personal mail triggers no rule', async () => {
  const raw = message(
    { Subject: 'Re: lunch on Thursday?', 'In-Reply-To': '<0@example.net>' },
    'Hi Sam,\n\nThursday works for me. The usual place at 12:30? I will bring the draft of the report.\n\nCheers,\nAlex\n',
  );
  assert.deepEqual(matchingRules(pack, await parseMessage(raw, DEFAULT_MIME_LIMITS)), []);
});
