// The header-sanity check: missing, duplicated, malformed or implausible origination headers (RFC 5322 §3.6).

import { z } from 'zod';
import { defineCheck, type CheckTask } from '../../core/check.ts';
import type { ParsedMessage } from '../../mime/model.ts';
import { describeOffset, judgeDate } from './dates.ts';
import { isIpRhs, isUndisclosed, isValidMailbox, organisationalDomain } from './fields.ts';
import { boundaryOf, outlookFamily, outlookMismatches } from './outlook.ts';

/** RFC 5322 §3.6 table: fields that may occur at most once (From has its own symbol). */
export const DEFAULT_UNIQUE_HEADERS = [
  'date',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'message-id',
  'in-reply-to',
  'references',
  'subject',
] as const;

const configSchema = z
  .object({
    /** A Date this many hours ahead of the clock is future-dated. */
    future_hours: z.number().positive().default(2),
    /** A Date this many hours behind the clock is stale. */
    past_hours: z.number().positive().default(24),
    /** Days behind the clock at which DATE_IN_PAST reaches its full weight. */
    past_full_weight_days: z.number().positive().default(30),
    /** Header names (case-insensitive) that must not appear twice. */
    unique_headers: z.array(z.string().min(1)).default([...DEFAULT_UNIQUE_HEADERS]),
  })
  .prefault({});

type Config = z.infer<typeof configSchema>;

const symbols = {
  MISSING_DATE: { weight: 1.0, description: 'Message has no Date header' },
  INVALID_DATE: { weight: 1.5, description: 'Date header cannot be parsed' },
  DATE_IN_FUTURE: { weight: 2.0, description: 'Date header is ahead of the receiving clock' },
  DATE_IN_PAST: { weight: 1.0, description: 'Date header is well behind the receiving clock (scaled by age)' },
  MISSING_MID: { weight: 1.5, description: 'Message has no Message-ID header' },
  INVALID_MSGID: { weight: 1.5, description: 'Message-ID is empty or has no @' },
  MID_RHS_IP_LITERAL: { weight: 0.2, description: 'Message-ID right-hand side is an IP address' },
  MISSING_FROM: { weight: 2.0, description: 'Message has no From header' },
  FROM_INVALID: { weight: 2.0, description: 'From header holds no valid mailbox' },
  MULTIPLE_FROM: { weight: 2.0, description: 'Several From headers or several From addresses' },
  MISSING_TO: { weight: 0.5, description: 'Message has neither To nor Cc header' },
  TO_UNDISCLOSED: { weight: 1.0, description: 'To header hides the recipients (undisclosed-recipients)' },
  REPLYTO_DOM_NEQ_FROM_DOM: { weight: 0.3, description: 'Reply-To points to another organisation than From' },
  FORGED_MUA_OUTLOOK: { weight: 1.5, description: 'X-Mailer claims Outlook but Message-ID or boundary says otherwise' },
  MULTIPLE_UNIQUE_HEADERS: { weight: 2.0, description: 'A header that must be unique occurs more than once' },
};

type Sym = keyof typeof symbols;

export const headerSanityCheck = defineCheck<Sym, Config>({
  name: 'header-sanity',
  description: 'Missing, duplicated, malformed or implausible Date, Message-ID, From, To and Reply-To headers',
  phase: 'filter',
  needsMessage: true,
  // Lists rewrite Reply-To on purpose; knowing a message came through one avoids a false REPLYTO hit.
  dependsOn: ['mailing-list'],
  configSchema,
  symbols,
  run(task, _state, config) {
    const m = task.message;
    if (!m) return;
    checkDate(task, m, config);
    checkMessageId(task, m);
    checkFrom(task, m);
    checkRecipients(task, m);
    checkReplyTo(task, m);
    checkOutlook(task, m);
    checkUnique(task, m, config);
  },
});

function checkDate(task: CheckTask<Sym>, m: ParsedMessage, config: Config): void {
  if (m.header('date').length === 0) {
    task.hit('MISSING_DATE');
    return;
  }
  if (!m.date || Number.isNaN(m.date.getTime())) {
    task.hit('INVALID_DATE', [clip(m.dateRaw ?? '')]);
    return;
  }
  const verdict = judgeDate(m.date, task.ctx.clock.now(), config);
  if (verdict.kind === 'future') task.hit('DATE_IN_FUTURE', [describeOffset(verdict.hours)]);
  else if (verdict.kind === 'past') task.hit('DATE_IN_PAST', [describeOffset(verdict.hours)], verdict.multiplier);
}

function checkMessageId(task: CheckTask<Sym>, m: ParsedMessage): void {
  if (m.header('message-id').length === 0) {
    task.hit('MISSING_MID');
    return;
  }
  const id = m.messageId ?? '';
  const at = id.lastIndexOf('@');
  if (at <= 0 || at === id.length - 1) {
    task.hit('INVALID_MSGID', [clip(id)]);
    return;
  }
  const rhs = id.slice(at + 1);
  if (isIpRhs(rhs)) task.hit('MID_RHS_IP_LITERAL', [clip(rhs)]);
}

function checkFrom(task: CheckTask<Sym>, m: ParsedMessage): void {
  const fields = m.header('from');
  if (fields.length === 0) {
    task.hit('MISSING_FROM');
    return;
  }
  if (fields.length > 1) task.hit('MULTIPLE_FROM', ['fields']);
  else if (m.from.length > 1) task.hit('MULTIPLE_FROM', ['addresses']);
  const first = m.from[0];
  if (!first || !isValidMailbox(first)) task.hit('FROM_INVALID', [clip(first?.address || fields[0].raw)]);
}

function checkRecipients(task: CheckTask<Sym>, m: ParsedMessage): void {
  const to = m.header('to');
  if (to.length === 0) {
    // Cc-only mail (list replies with the list in Cc) is ordinary.
    if (m.header('cc').length === 0) task.hit('MISSING_TO');
    return;
  }
  if (isUndisclosed(to[0].raw, m.to)) task.hit('TO_UNDISCLOSED');
}

function checkReplyTo(task: CheckTask<Sym>, m: ParsedMessage): void {
  if (task.has('MAILLIST')) return;
  const from = m.from[0]?.domain;
  const reply = m.replyTo[0]?.domain;
  if (!from || !reply) return;
  const a = organisationalDomain(from);
  const b = organisationalDomain(reply);
  if (a !== b) task.hit('REPLYTO_DOM_NEQ_FROM_DOM', [b]);
}

function checkOutlook(task: CheckTask<Sym>, m: ParsedMessage): void {
  const mailer = m.first('x-mailer');
  if (!mailer) return;
  const family = outlookFamily(mailer);
  if (!family) return;
  // A message that went through Exchange gets Exchange's Message-ID and re-encoding; nothing to compare.
  if (m.headers.some((h) => h.key.startsWith('x-ms-exchange-'))) return;
  const root = m.parts[0];
  const ct = root?.contentType.startsWith('multipart/') ? root.headers.find((h) => h.key === 'content-type')?.raw : undefined;
  const reasons = outlookMismatches(family, m.messageId, ct ? boundaryOf(ct) : undefined);
  if (reasons.length > 0) task.hit('FORGED_MUA_OUTLOOK', [family, ...reasons]);
}

function checkUnique(task: CheckTask<Sym>, m: ParsedMessage, config: Config): void {
  const counts = new Map<string, number>();
  const wanted = new Set(config.unique_headers.map((h) => h.toLowerCase()));
  for (const h of m.headers) if (wanted.has(h.key)) counts.set(h.key, (counts.get(h.key) ?? 0) + 1);
  const dup = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  if (dup.length > 0) task.hit('MULTIPLE_UNIQUE_HEADERS', dup);
}

/** Options echo attacker-controlled text: keep them short. */
const MAX_OPTION_ECHO_CHARS = 64;
function clip(s: string): string {
  return s.length > MAX_OPTION_ECHO_CHARS ? `${s.slice(0, MAX_OPTION_ECHO_CHARS)}…` : s;
}
