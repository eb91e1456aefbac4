// Records every finished scan: counters (scanned, per action) batched to the store, and one history row per scan.

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

/** Name of the counter for an action, e.g. `action:add header`. */
export function actionCounter(action: string): string {
  return `action:${action}`;
}

export class ScanRecorder implements ScanObserver {
  readonly #store: Store;
  readonly #log: Logger;
  #pending: Record<string, number> = {};
  #timer: NodeJS.Timeout | undefined;
  readonly #incident = new IncidentLog();

  constructor(store: Store, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  observe(request: ScanRequest, result: ScanResult, message: ParsedMessage | undefined): void {
    this.count({ scanned: 1, [actionCounter(result.action)]: 1 });
    this.#guard(this.#store.history.push(historyEntry(request, result, message)));
  }

  /** Adds to counters; written with the next flush. */
  count(deltas: Record<string, number>): void {
    for (const [k, v] of Object.entries(deltas)) this.#pending[k] = (this.#pending[k] ?? 0) + v;
    this.#timer ??= setTimeout(() => void this.flush(), COUNTER_FLUSH_INTERVAL_MS);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    if (Object.keys(batch).length === 0) return;
    this.#pending = {};
    await this.#guard(this.#store.counters.add(batch));
  }

  /** Store trouble is logged once per incident, not once per scan; scanning goes on either way. */
  async #guard(p: Promise<void>): Promise<void> {
    try {
      await p;
      this.#incident.succeeded(this.#log, () => 'store writes recovered');
    } catch (err) {
      this.#incident.failed(this.#log, 'error', { err: String(err) }, 'store write failed; scan statistics are not being recorded');
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
