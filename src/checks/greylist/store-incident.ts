// Logs a store outage once per incident (first failure, then recovery with a count) instead of once per request.

import type { Logger } from '../../core/context.ts';

/**
 * An incident opens with the first failure after a success and closes with the next success: a Redis outage
 * under load is one warn line and one info line, not one line per message. One instance per check (per worker).
 */
export class StoreIncident {
  readonly #what: string;
  #failures = 0;

  constructor(what: string) {
    this.#what = what;
  }

  get open(): boolean {
    return this.#failures > 0;
  }

  failed(log: Logger, err: unknown, failSafe: string): void {
    if (this.#failures++ === 0) {
      const e = err as { code?: unknown; message?: unknown };
      log.warn(
        { err: String(e?.message ?? err), code: e?.code, failSafe },
        `${this.#what}: store unavailable; applying the fail-safe (${failSafe}) until it answers again`,
      );
    }
  }

  succeeded(log: Logger): void {
    if (this.#failures === 0) return;
    log.info({ failures: this.#failures }, `${this.#what}: store answers again after ${this.#failures} failed requests`);
    this.#failures = 0;
  }
}
