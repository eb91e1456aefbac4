// A per-process summary of the whole history ring, kept current by reading only the rows added since, so the UI can search 10,000+ rows quickly.

import type { HistoryEntry, HistoryStore } from '../../storage/interfaces.ts';

/** One history row as the UI lists it (no symbols: those come with the explanation). */
export interface HistoryItem {
  id: string;
  unixTime: number;
  clientIp: string | null;
  sender: string | null;
  rcpts: string[];
  subject: string | null;
  messageId: string | null;
  score: number;
  requiredScore: number;
  action: string;
  timeMs: number;
  size: number;
  user: string | null;
}

interface Row {
  item: HistoryItem;
  /** Lower-cased text a search matches against: addresses, subject, ids, IP, action, user, symbol names. */
  text: string;
}

/** Newest rows read to find where the cached list continues; more new rows than this means a full reload. */
export const HISTORY_PROBE_ROWS = 64;
/** Rows per store read during a full reload. */
export const HISTORY_LOAD_PAGE = 1_000;
/** Rows that rotated out of the ring may linger in the summary (shown, but no longer explainable) at most this long. */
export const HISTORY_COUNT_INTERVAL_MS = 5_000;

export function historyItem(e: HistoryEntry): HistoryItem {
  return {
    id: e.id,
    unixTime: e.unixTime,
    clientIp: e.clientIp ?? null,
    sender: e.senderSmtp || e.senderMime || null,
    rcpts: e.rcptSmtp.length > 0 ? e.rcptSmtp : e.rcptMime,
    subject: e.subject ?? null,
    messageId: e.messageId ?? null,
    score: e.score,
    requiredScore: e.requiredScore,
    action: e.action,
    timeMs: e.timeMs,
    size: e.size,
    user: e.user ?? null,
  };
}

function row(e: HistoryEntry): Row {
  const parts = [e.id, e.clientIp, e.senderSmtp, e.senderMime, ...e.rcptSmtp, ...e.rcptMime, e.subject, e.messageId, e.action, e.user, ...Object.keys(e.symbols)];
  return { item: historyItem(e), text: parts.filter((p) => p).join('\n').toLowerCase() };
}

export interface HistoryQuery {
  offset: number;
  limit: number;
  /** Case-insensitive substring of any searched field. */
  q?: string;
  action?: string;
}

export class HistoryIndex {
  readonly #store: HistoryStore;
  readonly #now: () => number;
  #rows: Row[] = [];
  #loaded = false;
  #countedAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(store: HistoryStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** Brings the summary up to date: usually one row read; rows other workers added are picked up too. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    if (this.#loaded) {
      // Ids are unique and rows only ever come in at the head: the same head means nothing changed.
      const head = await this.#store.recent(1);
      if (head.length === 0) return void (this.#rows = []);
      if (head[0].id === this.#rows[0]?.item.id) return;
      const probe = await this.#store.recent(HISTORY_PROBE_ROWS);
      const at = this.#rows.length > 0 ? probe.findIndex((e) => e.id === this.#rows[0].item.id) : -1;
      if (at >= 0) {
        this.#rows = [...probe.slice(0, at).map(row), ...this.#rows];
        // The ring dropped as many old rows as came in; counting them walks the whole table (~6 ms for 10,000 rows
        // on SQLite), so the tail is trimmed to the store's count only every HISTORY_COUNT_INTERVAL_MS.
        if (this.#now() - this.#countedAt >= HISTORY_COUNT_INTERVAL_MS) {
          this.#countedAt = this.#now();
          this.#rows = this.#rows.slice(0, await this.#store.count());
        }
        return;
      }
      if (probe.length < HISTORY_PROBE_ROWS) {
        this.#rows = probe.map(row);
        return;
      }
    }
    const rows: Row[] = [];
    for (let offset = 0; ; offset += HISTORY_LOAD_PAGE) {
      const page = await this.#store.recent(HISTORY_LOAD_PAGE, offset);
      rows.push(...page.map(row));
      if (page.length < HISTORY_LOAD_PAGE) break;
      // SQLite reads are synchronous: let the scans this worker serves run between pages of a big load.
      await new Promise((r) => setImmediate(r));
    }
    this.#rows = rows;
    this.#countedAt = this.#now();
    this.#loaded = true;
  }

  /** Newest first, filtered, one page; `total` counts every match. */
  async query(q: HistoryQuery): Promise<{ total: number; items: HistoryItem[] }> {
    await this.refresh();
    const needle = q.q?.trim().toLowerCase();
    let rows = this.#rows;
    if (needle || q.action) rows = rows.filter((r) => (!q.action || r.item.action === q.action) && (!needle || r.text.includes(needle)));
    return { total: rows.length, items: rows.slice(q.offset, q.offset + q.limit).map((r) => r.item) };
  }

  /** The full entry with this id, read from the store around where the summary saw it; undefined when it is gone. */
  async entry(id: string): Promise<HistoryEntry | undefined> {
    await this.refresh();
    const at = this.#rows.findIndex((r) => r.item.id === id);
    if (at < 0) return undefined;
    // New rows may have pushed it a little further down since the refresh.
    const around = await this.#store.recent(HISTORY_PROBE_ROWS, Math.max(0, at - HISTORY_PROBE_ROWS / 4));
    const hit = around.find((e) => e.id === id);
    if (hit) return hit;
    for (let offset = 0; ; offset += HISTORY_LOAD_PAGE) {
      const page = await this.#store.recent(HISTORY_LOAD_PAGE, offset);
      const found = page.find((e) => e.id === id);
      if (found || page.length < HISTORY_LOAD_PAGE) return found;
    }
  }
}
