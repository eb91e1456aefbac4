// Counts failed controller logins per client IP in fixed windows so password guessing is cut off with 429.

/** Failed logins an IP may make per window before further attempts are refused unchecked. */
export const MAX_AUTH_FAILURES_PER_WINDOW = 10;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Bound on remembered IPs so a spray from many addresses cannot grow memory without limit. */
export const MAX_TRACKED_PEERS = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

export class FailureThrottle {
  readonly #peers = new Map<string, Window>();
  readonly #now: () => number;
  readonly #max: number;
  readonly #windowMs: number;

  constructor(now: () => number = Date.now, max = MAX_AUTH_FAILURES_PER_WINDOW, windowMs = AUTH_FAILURE_WINDOW_MS) {
    this.#now = now;
    this.#max = max;
    this.#windowMs = windowMs;
  }

  #current(ip: string): Window | undefined {
    const w = this.#peers.get(ip);
    if (w && this.#now() - w.startedAt >= this.#windowMs) {
      this.#peers.delete(ip);
      return undefined;
    }
    return w;
  }

  /** Milliseconds until `ip` may try again, or 0 when it is not throttled. */
  retryAfterMs(ip: string): number {
    const w = this.#current(ip);
    if (!w || w.failures < this.#max) return 0;
    return Math.max(1, w.startedAt + this.#windowMs - this.#now());
  }

  recordFailure(ip: string): void {
    const w = this.#current(ip);
    if (w) {
      w.failures++;
      return;
    }
    if (this.#peers.size >= MAX_TRACKED_PEERS) this.#evict();
    this.#peers.set(ip, { startedAt: this.#now(), failures: 1 });
  }

  /** Drops expired windows; if the map is still full, the oldest entries (insertion order) go. */
  #evict(): void {
    const now = this.#now();
    for (const [ip, w] of this.#peers) if (now - w.startedAt >= this.#windowMs) this.#peers.delete(ip);
    for (const ip of this.#peers.keys()) {
      if (this.#peers.size < MAX_TRACKED_PEERS) break;
      this.#peers.delete(ip);
    }
  }

  get trackedPeers(): number {
    return this.#peers.size;
  }
}
