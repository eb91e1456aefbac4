// Spots messages whose X-Mailer claims a Microsoft Outlook client but whose Message-ID or MIME boundary is not what that client writes.

/** Which Outlook generation an X-Mailer names; each writes a different Message-ID shape. */
export type OutlookFamily = 'express' | 'imo' | 'outlook';

/**
 * Outlook Express, Outlook CWS/2002 and later: `<12 hex>$<8 hex>$<8 hex>[$]@host` (the trailing
 * `$` group appeared with Outlook 2010).
 */
const OE_MID_RE = /^[0-9a-f]{12}\$[0-9a-f]{8}\$[0-9a-f]{8}(?:\$[0-9a-f]{8})?\$?@/i;
/** Outlook 2000 in Internet-Mail-Only mode: 28 letters A–P, a dot, then the sender's address. */
const IMO_MID_RE = /^[A-P]{28}\.[^@\s]+@/;
/** Every Outlook generation names boundaries `----=_NextPart_000_0012_01C2A3B4.5C6D7E80`. */
const OUTLOOK_BOUNDARY_RE = /^----=_NextPart_\d{3}_[0-9A-F]{4}_[0-9A-F]{8}\.[0-9A-F]{8}$/;
/** Webmail services that ran Outlook Express submissions through their own Message-ID generator. */
const REWRITING_SERVICES_RE = /(?:^|\.)(?:hotmail\.com|msn\.com|outlook\.com|live\.com)$/i;

/** The Outlook family an X-Mailer value claims, or undefined (other mailers, Mac editions, versions we know nothing about). */
export function outlookFamily(xMailer: string): OutlookFamily | undefined {
  const v = xMailer.trim();
  if (/macintosh|mac ?os|macoutlook/i.test(v)) return undefined;
  if (/^Microsoft Outlook Express \d/i.test(v)) return 'express';
  if (/^Microsoft Outlook IMO\b/i.test(v)) return 'imo';
  const m = /^Microsoft (?:Office )?Outlook(?: CWS)?,? (?:Build )?(\d+)\b/i.exec(v);
  // Outlook 97/98 (8.x) left no shape we can rely on.
  if (m && Number(m[1]) >= 9) return 'outlook';
  return undefined;
}

/** Value of the `boundary` parameter in a Content-Type field, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * Reasons (`message-id`, `boundary`) the message does not look like what `family` writes; empty
 * when it fits or when there is nothing to compare. `messageId` is without angle brackets.
 */
export function outlookMismatches(family: OutlookFamily, messageId: string | undefined, boundary: string | undefined): string[] {
  const reasons: string[] = [];
  if (messageId !== undefined) {
    const host = messageId.slice(messageId.lastIndexOf('@') + 1);
    const fits = family === 'imo' ? IMO_MID_RE.test(messageId) : OE_MID_RE.test(messageId);
    if (!fits && !REWRITING_SERVICES_RE.test(host)) reasons.push('message-id');
  }
  if (boundary !== undefined && !OUTLOOK_BOUNDARY_RE.test(boundary)) reasons.push('boundary');
  return reasons;
}
