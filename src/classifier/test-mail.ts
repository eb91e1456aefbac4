// Generates small hand-written spam-like and ham-like test messages for the Bayes tests (written for winnow from made-up vocabularies, not taken from any corpus).

import { parseMessage } from '../mime/parse.ts';
import type { ParsedMessage } from '../mime/model.ts';

const SPAM_WORDS = [
  'cheap', 'pills', 'casino', 'winner', 'prize', 'claim', 'offer', 'limited', 'discount', 'credit', 'loan',
  'mortgage', 'guaranteed', 'replica', 'watches', 'bonus', 'jackpot', 'pharmacy', 'refinance', 'unclaimed',
  'lottery', 'exclusive', 'miracle', 'investment', 'profit', 'viagra', 'cialis', 'million', 'dollars', 'urgent',
];
const HAM_WORDS = [
  'meeting', 'agenda', 'minutes', 'project', 'deadline', 'review', 'patch', 'kernel', 'compile', 'release',
  'thanks', 'lunch', 'report', 'draft', 'schedule', 'budget', 'colleague', 'conference', 'slides', 'regression',
  'branch', 'commit', 'tomorrow', 'attached', 'comments', 'quarterly', 'planning', 'whiteboard', 'retrospective', 'sprint',
];
const NEUTRAL_WORDS = ['the', 'and', 'for', 'you', 'with', 'this', 'that', 'have', 'from', 'will', 'please', 'about', 'your', 'our'];

/** Deterministic pseudo-random picks, so every run generates the same messages. */
function picker(seed: number): (n: number) => number {
  let s = (seed * 2654435761 + 12345) >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function words(vocab: readonly string[], count: number, pick: (n: number) => number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(i % 3 === 2 ? NEUTRAL_WORDS[pick(NEUTRAL_WORDS.length)] : vocab[pick(vocab.length)]);
  return out.join(' ');
}

export interface TestMailOptions {
  /** Words in the body (default 40). */
  bodyWords?: number;
  messageId?: string;
}

/** Raw RFC 5322 text of the n-th spam-like or ham-like test message; different n give different messages. */
export function testMail(kind: 'spam' | 'ham', n: number, opts: TestMailOptions = {}): string {
  const pick = picker(n * 2 + (kind === 'spam' ? 1 : 0));
  const vocab = kind === 'spam' ? SPAM_WORDS : HAM_WORDS;
  const from = kind === 'spam' ? `"Best Offers" <promo${n}@deals${pick(50)}.example.com>` : `Carol Colleague <carol@work.example.org>`;
  const subject = kind === 'spam' ? `${words(vocab, 4, pick)} now` : `Re: ${words(vocab, 3, pick)}`;
  const id = opts.messageId ?? `<${kind}-${n}@${kind === 'spam' ? 'mailer.example.com' : 'work.example.org'}>`;
  return [
    `From: ${from}`,
    'To: dave@example.net',
    `Subject: ${subject}`,
    'Date: Tue, 04 Mar 2025 10:00:00 +0000',
    `Message-ID: ${id}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    words(vocab, opts.bodyWords ?? 40, pick),
    '',
  ].join('\r\n');
}

export function parseTestMail(kind: 'spam' | 'ham', n: number, opts: TestMailOptions = {}): Promise<ParsedMessage> {
  return parseMessage(new TextEncoder().encode(testMail(kind, n, opts)));
}
