// Records every finished scan (but those marked `record: false`): counters (scanned, per action) batched to the store, and one history row per scan, written in batches under load (at most the store's history size per write).

import { IncidentLog } from '../log/incident-log.ts';
import { randomUUID } from 'node:crypto';
import type { Logger } from './context.ts';
import type { ScanObserver } from './scanner.ts';
import type { ScanRequest, ScanResult } from './types.ts';
import type { ParsedMessage } from '../mime/model.ts';
import type { Store } from '../storage/store.ts';
import type { HistoryEntry } from '../storage/interfaces.ts';
import { DEFAULT_HISTORY_SIZE } from '../storage/rules.ts';

/** Counters are summed in memory and written at most this often, so a busy scanner does one store write per second. */
export const COUNTER_FLUSH_INTERVAL_MS = 1_000;
/** A worker counts as quiet while it records at most HISTORY_QUIET_ROWS scans per this window. */
export const HISTORY_QUIET_WINDOW_MS = 100;
/** While quiet, rows go out as they come (on the next turn of the event loop): a scan is in `/history` at once. */
export const HISTORY_QUIET_ROWS = 16;
/**
 * While busy, rows wait and go out together at most this often, and at most `historySize` of them (1000 by default,
 * what the store's ring holds) wait for one write: the first ones; scans beyond that until the write are counted
 * but get no history row. A policy server answering thousands of requests per second wrote, and at once trimmed,
 * most of its rows (recording was a fifth of a policy request's CPU in bench/policy); then it built and kept every
 * row until the write to send only the newest: at 8,000 rows a second each row outlived a few scavenges and was
 * promoted, and building and collecting them cost a worker about 6 % of its CPU. A busy history is a sample either way: with several workers the ring
 * holds whichever worker wrote last.
 */
export const HISTORY_BUSY_FLUSH_MS = 1_000;
/** Rows kept waiting at most, whatever the history size: with a larger ring, rows it would have kept get none (logged). */
export const MAX_PENDING_HISTORY_ROWS = 10_000;

/** Name of the counter for an action, e.g. `action:add header`. */
export function actionCounter(action: string): string {
  return `action:${action}`;
}

export class ScanRecorder implements ScanObserver {
  readonly #store: Store;
  readonly #log: Logger;
  /** Rows kept waiting and written at once at most: the store's history size, bounded by MAX_PENDING_HISTORY_ROWS. */
  readonly #keep: number;
  /**
   * Whether scans without a row are logged: only when the store's ring could hold more rows per write than #keep
   * (a history size over MAX_PENDING_HISTORY_ROWS); otherwise rows are capped by design under load.
   */
  readonly #logRefusals: boolean;
  #pending: Record<string, number> = {};
  #timer: NodeJS.Timeout | undefined;
  /** History rows not yet handed to the store, oldest first; at most #keep (later scans get no row). */
  #rows: HistoryEntry[] = [];
  #historyTimer: NodeJS.Timeout | undefined;
  /** The one history write in progress; rows arriving meanwhile wait for the next. */
  #writing: Promise<void> | undefined;
  /** Start of the current HISTORY_QUIET_WINDOW_MS window and the rows observed in it. */
  #windowStart = Number.NEGATIVE_INFINITY;
  #windowRows = 0;
  /** Counter and history writes fail and recover apart (a failing history must not close the counters' incident). */
  readonly #counterIncident = new IncidentLog();
  readonly #historyIncident = new IncidentLog();
  readonly #dropIncident = new IncidentLog();
  /** A scan got no history row since the last write began (only tracked when #logRefusals). */
  #refused = false;

  constructor(store: Store, log: Logger, historySize = DEFAULT_HISTORY_SIZE) {
    this.#store = store;
    this.#log = log;
    this.#keep = Math.min(historySize, MAX_PENDING_HISTORY_ROWS);
    this.#logRefusals = historySize > MAX_PENDING_HISTORY_ROWS;
  }

  observe(request: ScanRequest, result: ScanResult, message: ParsedMessage | undefined): void {
    // Bookkeeping scans (the SMTP front's per-connection decision) are neither counted nor kept in history.
    if (request.record === false) return;
    this.#add('scanned', 1);
    this.#add(actionCounter(result.action), 1);
    if (this.#rows.length < this.#keep) this.#rows.push(historyEntry(request, result, message));
    else if (this.#logRefusals) {
      this.#refused = true;
      this.#dropIncident.failed(this.#log, 'warn', { kept: this.#keep }, 'more scans than can wait for one history write; later ones get no history row until it is written');
    }
    const now = performance.now();
    if (now - this.#windowStart >= HISTORY_QUIET_WINDOW_MS) {
      this.#windowStart = now;
      this.#windowRows = 0;
    }
    this.#windowRows++;
    this.#scheduleHistory();
  }

  /** Adds to counters; written with the next flush. */
  count(deltas: Record<string, number>): void {
    for (const [k, v] of Object.entries(deltas)) this.#add(k, v);
  }

  #add(name: string, delta: number): void {
    this.#pending[name] = (this.#pending[name] ?? 0) + delta;
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.#flushCounters(), COUNTER_FLUSH_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Writes every counter and history row recorded so far (before /stat or /history answers, and at shutdown). */
  async flush(): Promise<void> {
    await Promise.all([this.#flushCounters(), this.#flushHistory()]);
  }

  async #flushCounters(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    if (Object.keys(batch).length === 0) return;
    this.#pending = {};
    await this.#guard(this.#counterIncident, 'counter', async () => {
      await this.#store.counters.add(batch);
      // The throughput graph's series: the same action counts, bucketed at the time of this flush (at most 1 s late).
      const prefix = actionCounter('');
      const actions = Object.entries(batch).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]);
      await this.#store.series.add(Object.fromEntries(actions), Date.now());
    });
  }

  async #flushHistory(): Promise<void> {
    // A write that ends may start the next one at once (a full batch was waiting): wait for those too.
    while (this.#writing) await this.#writing;
    await this.#writeHistory();
  }

  /** One timer: at once while the worker is quiet, else HISTORY_BUSY_FLUSH_MS later. */
  #scheduleHistory(): void {
    if (this.#writing || this.#rows.length === 0 || this.#historyTimer) return;
    const busy = this.#windowRows > HISTORY_QUIET_ROWS;
    this.#historyTimer = setTimeout(() => void this.#writeHistory(), busy ? HISTORY_BUSY_FLUSH_MS : 0);
    this.#historyTimer.unref();
  }

  #writeHistory(): Promise<void> {
    clearTimeout(this.#historyTimer);
    this.#historyTimer = undefined;
    if (this.#writing) return this.#writing;
    if (this.#rows.length === 0) return Promise.resolve();
    // An incident of scans without a row ends with a whole write period that had none.
    if (!this.#refused) this.#dropIncident.succeeded(this.#log, (n) => `every scan gets a history row again, after ${n} without one`, 'scans');
    this.#refused = false;
    const rows = this.#rows;
    this.#rows = [];
    const writing = this.#guard(this.#historyIncident, 'history', () => this.#store.history.pushMany(rows)).finally(() => {
      this.#writing = undefined;
      this.#scheduleHistory();
    });
    this.#writing = writing;
    return writing;
  }

  /** Store trouble is logged once per incident, not once per scan; scanning goes on either way. */
  async #guard(incident: IncidentLog, what: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
      incident.succeeded(this.#log, () => `${what} writes recovered`);
    } catch (err) {
      incident.failed(this.#log, 'error', { err: String(err) }, `${what} write failed; scan statistics are not being recorded`);
    }
  }
}

function historyEntry(request: ScanRequest, result: ScanResult, message: ParsedMessage | undefined): HistoryEntry {
  const symbols: HistoryEntry['symbols'] = {};
  for (const s of Object.values(result.symbols)) symbols[s.name] = { score: s.score, options: s.options };
  return {
    id: randomUUID(),
    unixTime: Date.now() / 1000,
    clientIp: request.clientIp,
    senderSmtp: request.mailFrom,
    senderMime: message?.from[0]?.address,
    rcptSmtp: request.rcptTo,
    rcptMime: message ? [...message.to, ...message.cc].map((a) => a.address).filter(Boolean) : [],
    subject: message?.subject,
    messageId: message?.messageId,
    score: result.score,
    requiredScore: result.requiredScore,
    action: result.action,
    size: request.message?.length ?? 0,
    timeMs: result.timeMs,
    user: request.user,
    isSkipped: result.isSkipped,
    symbols,
  };
}
