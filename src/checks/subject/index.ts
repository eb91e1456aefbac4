// The subject check: missing, empty, shouting, bait-laden, overlong or fake-reply subjects and odd encoded-word charsets (RFC 5322 §3.6.5, RFC 2047).

import { z } from 'zod';
import { defineCheck } from '../../core/check.ts';
import { encodedWordCharsets, excessPunctuation, isAllCaps, looksLikeReply, moneyBait } from './rules.ts';

/**
 * Charsets real mail clients put in encoded-words. Absent by default (so "unusual"): UTF-7, UTF-16/32,
 * made-up or placeholder labels — the usual tricks to slip words past filters.
 */
export const DEFAULT_USUAL_CHARSETS = [
  'utf-8', 'utf8', 'us-ascii', 'ascii',
  ...Array.from({ length: 16 }, (_, i) => `iso-8859-${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `windows-${1250 + i}`),
  'cp1250', 'cp1251', 'cp1252', 'koi8-r', 'koi8-u',
  'iso-2022-jp', 'shift_jis', 'shift-jis', 'sjis', 'euc-jp', 'iso-2022-kr', 'euc-kr', 'ks_c_5601-1987',
  'gb2312', 'gbk', 'gb18030', 'big5', 'big5-hkscs', 'tis-620', 'windows-874', 'iso-2022-cn',
];

const configSchema = z
  .object({
    /** Subjects longer than this many characters are "very long". */
    max_length: z.number().int().positive().default(150),
    /** Encoded-word charsets (case-insensitive) that are not unusual. */
    usual_charsets: z.array(z.string().min(1)).default(DEFAULT_USUAL_CHARSETS),
  })
  .prefault({});

type Config = z.infer<typeof configSchema>;

const symbols = {
  SUBJ_MISSING: { weight: 1.0, description: 'Message has no Subject header' },
  SUBJ_EMPTY: { weight: 0.5, description: 'Subject header is empty' },
  SUBJ_ALL_CAPS: { weight: 1.5, description: 'Subject is written in capitals only' },
  SUBJ_EXCESS_PUNCT: { weight: 1.0, description: 'Subject has runs of !!! or ???' },
  SUBJ_MONEY: { weight: 1.0, description: 'Subject dangles money: $$$, large amounts, "100% free"' },
  SUBJ_UNUSUAL_CHARSET: { weight: 1.0, description: 'Subject is encoded in an unusual charset (UTF-7, unknown labels)' },
  SUBJ_VERY_LONG: { weight: 1.0, description: 'Subject is very long' },
  FAKE_REPLY: { weight: 0.5, description: 'Subject says Re: but the message answers nothing (no In-Reply-To/References)' },
};

type Sym = keyof typeof symbols;

export const subjectCheck = defineCheck<Sym, Config, ReadonlySet<string>>({
  name: 'subject',
  description: 'Missing, empty, all-caps, punctuation-heavy, money-bait, overlong or fake-reply subjects and unusual charsets',
  phase: 'filter',
  needsMessage: true,
  configSchema,
  symbols,
  setup: ({ config }) => new Set(config.usual_charsets.map((c) => c.toLowerCase())),
  run(task, usual, config) {
    const m = task.message;
    if (!m) return;
    const fields = m.header('subject');
    if (fields.length === 0) {
      task.hit('SUBJ_MISSING');
      return;
    }
    const subject = (m.subject ?? fields[0].value).trim();
    if (subject === '') {
      task.hit('SUBJ_EMPTY');
      return;
    }
    if (isAllCaps(subject)) task.hit('SUBJ_ALL_CAPS');
    const punct = excessPunctuation(subject);
    if (punct) task.hit('SUBJ_EXCESS_PUNCT', [punct]);
    const money = moneyBait(subject);
    if (money.length > 0) task.hit('SUBJ_MONEY', money);
    const odd = encodedWordCharsets(fields[0].raw).filter((c) => !usual.has(c));
    if (odd.length > 0) task.hit('SUBJ_UNUSUAL_CHARSET', odd.map((c) => c.slice(0, 32)));
    const length = [...subject].length;
    if (length > config.max_length) task.hit('SUBJ_VERY_LONG', [String(length)]);
    // Outlook/Exchange replies carried only Thread-Index/Thread-Topic for years; they are real replies.
    const threaded = ['in-reply-to', 'references', 'thread-index', 'thread-topic'].some((h) => m.header(h).length > 0);
    if (looksLikeReply(subject) && !threaded) {
      task.hit('FAKE_REPLY');
    }
  },
});
