// Logs a recurring failure once per incident: the first failure after a success, then one line on recovery.

import type { LogFields, Logger } from '../core/context.ts';

/**
 * An incident opens with the first failure after a success and closes with the next success, so a store
 * outage under load is two log lines, not one per request. One instance per component and process.
 */
export class IncidentLog {
  #failures = 0;

  get open(): boolean {
    return this.#failures > 0;
  }

  /** Counts a failure; logs it only when it opens an incident. */
  failed(log: Logger, level: 'warn' | 'error', fields: LogFields, msg: string): void {
    if (this.#failures++ === 0) log[level](fields, msg);
  }

  /** Closes an open incident with one info line; `msg` gets the number of failures, logged as `countField`. */
  succeeded(log: Logger, msg: (failures: number) => string, countField = 'failures'): void {
    if (this.#failures === 0) return;
    log.info({ [countField]: this.#failures }, msg(this.#failures));
    this.#failures = 0;
  }
}

/** The store flavour used by checks with a fail-safe action: names the component and the action applied. */
export class StoreIncident {
  readonly #what: string;
  readonly #incident = new IncidentLog();

  constructor(what: string) {
    this.#what = what;
  }

  get open(): boolean {
    return this.#incident.open;
  }

  failed(log: Logger, err: unknown, failSafe: string): void {
    const e = err as { code?: unknown; message?: unknown };
    this.#incident.failed(
      log,
      'warn',
      { err: String(e?.message ?? err), code: e?.code, failSafe },
      `${this.#what}: store unavailable; applying the fail-safe (${failSafe}) until it answers again`,
    );
  }

  succeeded(log: Logger): void {
    this.#incident.succeeded(log, (n) => `${this.#what}: store answers again after ${n} failed requests`);
  }
}
