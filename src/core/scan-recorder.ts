// Records every finished scan (but those marked `record: false`): counters (scanned, per action) batched to the store, and one history row per scan, written in batches under load.

import { IncidentLog } from '../log/incident-log.ts';
import { randomUUID } from 'node:crypto';
import type { Logger } from './context.ts';
import type { ScanObserver } from './scanner.ts';
import type { ScanRequest, ScanResult } from './types.ts';
import type { ParsedMessage } from '../mime/model.ts';
import type { Store } from '../storage/store.ts';
import type { HistoryEntry } from '../storage/interfaces.ts';

/** Counters are summed in memory and written at most this often, so a busy scanner does one store write per second. */
export const COUNTER_FLUSH_INTERVAL_MS = 1_000;
/**
 * Under load history rows are written together, at most once per this interval: one transaction (SQLite) or MULTI
 * (Redis) per batch instead of one per scan, which was a sixth of a policy request's CPU.
 */
export const HISTORY_FLUSH_INTERVAL_MS = 100;
/**
 * Up to this many rows per interval go out as they come (on the next turn of the event loop), so a scan is in
 * `/history` at once whichever worker answers, unless the worker is busy (over 160 scans/s).
 */
export const HISTORY_QUIET_ROWS = 16;
/**
 * ...and a batch goes as soon as this many rows wait, so one write stays short and rows do not wait long in memory:
 * a worker's young generation is small (2 MiB, daemon/primary.ts), so rows kept for tens of milliseconds were
 * copied by several scavenges and promoted. With 32 rows instead of 256 a policy request cost about 10 % less CPU
 * with 2 workers, and the extra commits cost under 1 µs per row; 64 keeps a batch well above what counts as quiet
 * (HISTORY_QUIET_ROWS per interval).
 */
export const HISTORY_BATCH_ROWS = 64;
/** Rows kept while the store is too slow to take them; beyond this the oldest are dropped (the ring would drop them too). */
export const MAX_PENDING_HISTORY_ROWS = 10_000;

/** Name of the counter for an action, e.g. `action:add header`. */
export function actionCounter(action: string): string {
  return `action:${action}`;
}

export class ScanRecorder implements ScanObserver {
  readonly #store: Store;
  readonly #log: Logger;
  #pending: Record<string, number> = {};
  #timer: NodeJS.Timeout | undefined;
  /** History rows not yet handed to the store, oldest first. */
  #rows: HistoryEntry[] = [];
  #historyTimer: NodeJS.Timeout | undefined;
  /** The one history write in progress; rows arriving meanwhile wait for the next. */
  #writing: Promise<void> | undefined;
  /** Start of the current HISTORY_FLUSH_INTERVAL_MS window and the rows observed in it. */
  #windowStart = Number.NEGATIVE_INFINITY;
  #windowRows = 0;
  /** Counter and history writes fail and recover apart (a failing history must not close the counters' incident). */
  readonly #counterIncident = new IncidentLog();
  readonly #historyIncident = new IncidentLog();
  readonly #dropIncident = new IncidentLog();

  constructor(store: Store, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  observe(request: ScanRequest, result: ScanResult, message: ParsedMessage | undefined): void {
    // Bookkeeping scans (the SMTP front's per-connection decision) are neither counted nor kept in history.
    if (request.record === false) return;
    this.count({ scanned: 1, [actionCounter(result.action)]: 1 });
    this.#rows.push(historyEntry(request, result, message));
    const now = performance.now();
    if (now - this.#windowStart >= HISTORY_FLUSH_INTERVAL_MS) {
      this.#windowStart = now;
      this.#windowRows = 0;
    }
    this.#windowRows++;
    if (this.#rows.length > MAX_PENDING_HISTORY_ROWS) {
      const dropped = this.#rows.splice(0, this.#rows.length - MAX_PENDING_HISTORY_ROWS).length;
      this.#dropIncident.failed(this.#log, 'warn', { dropped }, 'the store is not keeping up with history writes; dropping the oldest unwritten rows');
    }
    this.#scheduleHistory();
  }

  /** Adds to counters; written with the next flush. */
  count(deltas: Record<string, number>): void {
    for (const [k, v] of Object.entries(deltas)) this.#pending[k] = (this.#pending[k] ?? 0) + v;
    this.#timer ??= setTimeout(() => void this.#flushCounters(), COUNTER_FLUSH_INTERVAL_MS);
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

  /** A full batch goes now; otherwise one timer: at once while the window is quiet, else at the window's end. */
  #scheduleHistory(): void {
    if (this.#writing || this.#rows.length === 0) return;
    if (this.#rows.length >= HISTORY_BATCH_ROWS) return void this.#writeHistory();
    if (this.#historyTimer) return;
    const busy = this.#windowRows > HISTORY_QUIET_ROWS;
    const waitMs = busy ? Math.max(0, this.#windowStart + HISTORY_FLUSH_INTERVAL_MS - performance.now()) : 0;
    this.#historyTimer = setTimeout(() => void this.#writeHistory(), waitMs);
    this.#historyTimer.unref();
  }

  #writeHistory(): Promise<void> {
    clearTimeout(this.#historyTimer);
    this.#historyTimer = undefined;
    if (this.#writing) return this.#writing;
    if (this.#rows.length === 0) return Promise.resolve();
    const rows = this.#rows;
    this.#rows = [];
    const writing = this.#guard(this.#historyIncident, 'history', () => this.#store.history.pushMany(rows)).finally(() => {
      this.#writing = undefined;
      if (this.#rows.length <= MAX_PENDING_HISTORY_ROWS) this.#dropIncident.succeeded(this.#log, (n) => `history writes keep up again after ${n} drops`, 'drops');
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
