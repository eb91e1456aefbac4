// Builds the controller's JSON bodies in rspamd's shapes (PROTOCOLS.md §3.6) from winnow's counters, engine and scheduler stats.

import { actionCounter } from '../../core/scan-recorder.ts';
import type { CheckStat } from '../../core/scheduler.ts';
import type { ResolvedSymbol } from '../../core/symbol-table.ts';
import { ACTIONS, THRESHOLD_ACTIONS, type Thresholds } from '../../core/types.ts';
import type { HistoryEntry } from '../../storage/interfaces.ts';
import type { BayesService, BayesStats } from '../../classifier/service-types.ts';
import type { Logger } from '../../core/context.ts';
import { isSpamAction } from './reply-json.ts';

export type Counters = Record<string, number>;

/** Counter names: `scanned` and `action:<action>` come from the scan recorder; `learned` from the classifier when it exists. */
const SCANNED = 'scanned';
const LEARNED = 'learned';

function count(c: Counters, name: string): number {
  const v = c[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function actionCounts(c: Counters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of ACTIONS) out[a] = count(c, actionCounter(a));
  return out;
}

/** One rspamd `statfiles` row: rspamd has a statfile per class; `revision` is that class's learned messages. */
export interface StatfileJson {
  revision: number;
  /** Tokens (Robinson-Fisher) or non-zero weight buckets (logistic) held; the logistic model's are shared by both rows. */
  used: number;
  total: number;
  /** Bytes on disk are not known per statfile (the store is one database): always 0. */
  size: number;
  symbol: 'BAYES_SPAM' | 'BAYES_HAM';
  /** The store backend (rspamd says `redis` or `mmap`). */
  type: string;
  languages: number;
  users: number;
}

export function statfilesJson(s: BayesStats): StatfileJson[] {
  const row = (symbol: StatfileJson['symbol'], revision: number): StatfileJson => ({
    revision,
    used: s.used,
    total: s.total,
    size: 0,
    symbol,
    type: s.backend,
    languages: 0,
    users: s.users,
  });
  return [row('BAYES_SPAM', s.nspam), row('BAYES_HAM', s.nham)];
}

/** The site-wide statistics as statfiles; none when there is no classifier, or (logged) when the store cannot say. */
export async function bayesStatfiles(bayes: Pick<BayesService, 'stats'> | undefined, log: Logger): Promise<StatfileJson[]> {
  if (!bayes) return [];
  try {
    return statfilesJson(await bayes.stats());
  } catch (err) {
    log.warn({ err: String(err) }, 'bayes statistics unavailable for /stat');
    return [];
  }
}

/** `/stat` (and `/statreset`, which reports the values it is about to clear). */
export function statJson(c: Counters, uptimeSec: number, version: string, statfiles: StatfileJson[] = []): Record<string, unknown> {
  const actions = actionCounts(c);
  let spam = 0;
  let ham = 0;
  for (const a of ACTIONS) {
    if (isSpamAction(a)) spam += actions[a];
    else ham += actions[a];
  }
  return {
    version,
    uptime: Math.floor(uptimeSec),
    read_only: false,
    scanned: count(c, SCANNED),
    learned: count(c, LEARNED),
    actions,
    spam_count: spam,
    ham_count: ham,
    total_learns: statfiles.reduce((n, f) => n + f.revision, 0),
    statfiles,
  };
}

/** `/auth`: what rspamd's web UI shows after login. */
export function authJson(c: Counters, uptimeSec: number, version: string, readOnly: boolean): Record<string, unknown> {
  const a = actionCounts(c);
  return {
    version,
    auth: 'ok',
    uptime: Math.floor(uptimeSec),
    clean: a['no action'],
    probable: a['add header'] + a['rewrite subject'],
    greylist: a.greylist,
    reject: a.reject,
    soft_reject: a['soft reject'],
    scanned: count(c, SCANNED),
    learned: count(c, LEARNED),
    read_only: readOnly,
  };
}

/** `/actions`: thresholds, harshest first, `null` for a disabled action; `no action` has no threshold. */
export function actionsJson(t: Thresholds): { action: string; value: number | null }[] {
  return [...THRESHOLD_ACTIONS.map((a) => ({ action: a, value: t[a] })), { action: 'no action', value: null }];
}

/**
 * Per-symbol statistics. winnow measures checks, not symbols: every symbol of a check reports its
 * check's runs that hit something (the check's FAIL symbol: its failed runs), hits per second of
 * uptime and mean run time (ms), and names the check.
 */
interface SymbolStat {
  symbol: string;
  weight: number;
  description: string;
  check: string;
  hits: number;
  frequency: number;
  time: number;
}

export function symbolStats(
  symbols: readonly ResolvedSymbol[],
  stats: ReadonlyMap<string, CheckStat>,
  uptimeSec: number,
  failSymbols: ReadonlySet<string> = new Set(),
): SymbolStat[] {
  return symbols.map((s) => {
    const st = stats.get(s.owner);
    const hits = (failSymbols.has(s.name) ? st?.failures : st?.hits) ?? 0;
    return {
      symbol: s.name,
      weight: s.weight,
      description: s.description,
      check: s.owner,
      hits,
      frequency: uptimeSec > 0 ? hits / uptimeSec : 0,
      time: st && st.runs > 0 ? st.totalMs / st.runs : 0,
    };
  });
}

/** `/symbols`: symbols grouped by their group, groups and rules sorted by name. */
export function symbolsJson(rows: readonly SymbolStat[], groupOf: (symbol: string) => string): { group: string; rules: unknown[] }[] {
  const groups = new Map<string, unknown[]>();
  for (const r of [...rows].sort((a, b) => a.symbol.localeCompare(b.symbol))) {
    const g = groupOf(r.symbol);
    const rule = { symbol: r.symbol, weight: r.weight, description: r.description, frequency: r.frequency, time: r.time, check: r.check };
    const list = groups.get(g);
    if (list) list.push(rule);
    else groups.set(g, [rule]);
  }
  return [...groups.keys()].sort().map((group) => ({ group, rules: groups.get(group) ?? [] }));
}

/** `/counters`: flat list as `rspamc counters` prints it. */
export function countersJson(rows: readonly SymbolStat[]): unknown[] {
  return rows.map((r) => ({ symbol: r.symbol, weight: r.weight, frequency: r.frequency, hits: r.hits, time: r.time, check: r.check }));
}

/** One `/history` row, version 2 (rspamd 3.4 field names). */
export function historyRowJson(e: HistoryEntry): Record<string, unknown> {
  const symbols: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(e.symbols)) {
    symbols[name] = s.options.length > 0 ? { name, score: s.score, options: s.options } : { name, score: s.score };
  }
  return {
    id: e.id,
    action: e.action,
    ip: e.clientIp ?? '',
    is_skipped: e.isSkipped,
    'message-id': e.messageId ?? '',
    rcpt_mime: e.rcptMime,
    rcpt_smtp: e.rcptSmtp,
    required_score: e.requiredScore,
    score: e.score,
    sender_mime: e.senderMime ?? '',
    sender_smtp: e.senderSmtp ?? '',
    size: e.size,
    subject: e.subject ?? '',
    symbols,
    time_real: e.timeMs / 1000,
    unix_time: e.unixTime,
    user: e.user ?? '',
  };
}

export function historyJson(entries: readonly HistoryEntry[]): { version: 2; rows: unknown[] } {
  return { version: 2, rows: entries.map(historyRowJson) };
}
