// Turns a ScanResult into rspamd's JSON replies: `/checkv2` and the legacy `/check` shape (PROTOCOLS.md §3.3).

import { severity } from '../../core/actions.ts';
import { THRESHOLD_ACTIONS, type HeaderChange, type HeaderRemoval, type ScanResult, type SymbolResult } from '../../core/types.ts';

/** JSON has no NaN/Infinity; a non-finite score would make every client's parser fail. */
function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

function symbolJson(s: SymbolResult, withMetricScore: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { name: s.name, score: finite(s.score) };
  if (withMetricScore) out.metric_score = finite(s.weight);
  if (s.description) out.description = s.description;
  if (s.options.length > 0) out.options = s.options;
  return out;
}

/** rspamd's `milter` block: a header added once is a plain string, added several times a list (appended in order). */
export function milterJson(add: readonly HeaderChange[], remove: readonly HeaderRemoval[]): Record<string, unknown> | undefined {
  const addHeaders: Record<string, string | { value: string }[]> = {};
  for (const h of add) {
    const prev = addHeaders[h.name];
    if (prev === undefined) addHeaders[h.name] = h.value;
    else if (typeof prev === 'string') addHeaders[h.name] = [{ value: prev }, { value: h.value }];
    else prev.push({ value: h.value });
  }
  const removeHeaders: Record<string, number> = {};
  for (const r of remove) removeHeaders[r.name] = r.index;
  const out: Record<string, unknown> = {};
  if (add.length > 0) out.add_headers = addHeaders;
  if (remove.length > 0) out.remove_headers = removeHeaders;
  return Object.keys(out).length > 0 ? out : undefined;
}

function messageId(result: ScanResult): string | undefined {
  const id = result.messageId?.trim();
  if (!id) return undefined;
  return id.startsWith('<') && id.endsWith('>') ? id.slice(1, -1) : id;
}

/** The fields both reply shapes end with: texts for the MTA, ids and timing. */
function commonTail(result: ScanResult, out: Record<string, unknown>): void {
  out.messages = result.messages;
  const id = messageId(result);
  if (id !== undefined) out['message-id'] = id;
  out.time_real = finite(result.timeMs / 1000);
  if (result.urls.length > 0) out.urls = result.urls;
  if (result.emails.length > 0) out.emails = result.emails;
}

/** `POST /checkv2` reply. */
export function toCheckV2Reply(result: ScanResult): Record<string, unknown> {
  const symbols: Record<string, unknown> = {};
  for (const s of Object.values(result.symbols)) symbols[s.name] = symbolJson(s, true);
  const thresholds: Record<string, number> = {};
  for (const a of THRESHOLD_ACTIONS) {
    const v = result.thresholds[a];
    if (v !== null && Number.isFinite(v)) thresholds[a] = v;
  }
  const out: Record<string, unknown> = {
    is_skipped: result.isSkipped,
    score: finite(result.score),
    required_score: finite(result.requiredScore),
    action: result.action,
    thresholds,
    symbols,
  };
  if (result.subject !== undefined) out.subject = result.subject;
  if (result.forced) out.passthrough_module = result.forced.module;
  commonTail(result, out);
  const milter = milterJson(result.addHeaders, result.removeHeaders);
  if (milter) out.milter = milter;
  return out;
}

/** rspamd's `is_spam`: any action harsher than greylisting. */
export function isSpamAction(action: ScanResult['action']): boolean {
  return severity(action) > severity('greylist');
}

/** Legacy `/check`, `/symbols`, `/scan`, `/process` reply: the verdict and symbols sit inside `default`. */
export function toLegacyReply(result: ScanResult): Record<string, unknown> {
  const metric: Record<string, unknown> = {
    is_spam: isSpamAction(result.action),
    is_skipped: result.isSkipped,
    score: finite(result.score),
    required_score: finite(result.requiredScore),
    action: result.action,
  };
  if (result.subject !== undefined) metric.subject = result.subject;
  for (const s of Object.values(result.symbols)) metric[s.name] = symbolJson(s, false);
  const out: Record<string, unknown> = { default: metric };
  commonTail(result, out);
  const milter = milterJson(result.addHeaders, result.removeHeaders);
  if (milter) out.rmilter = milter;
  return out;
}
