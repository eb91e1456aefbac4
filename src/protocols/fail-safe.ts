// What a listener answers when a scan cannot decide (throws, times out, loses checks), logged once per incident rather than per request.

import { IncidentLog } from '../log/incident-log.ts';
import type { Logger } from '../core/context.ts';
import type { ScanResult } from '../core/types.ts';

/** The engine declares every check's failure symbol in this group (`<CHECK>_CHECK_FAIL`, weight 0). */
export const FAIL_GROUP = 'fail';

/** Failure symbols in a result: the checks that threw or timed out during this scan (a store outage shows up here). */
export function failedChecks(result: ScanResult): string[] {
  const out: string[] = [];
  for (const s of Object.values(result.symbols)) if (s.group === FAIL_GROUP) out.push(s.name);
  return out;
}

/**
 * Rejects with `scan timed out after N ms` when `work` takes longer. One promise settled by whichever comes first
 * (a settled promise ignores the later call), rather than `Promise.race` over a second promise plus `finally`:
 * this runs once per policy request.
 */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`scan timed out after ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export interface ScanFailSafeOptions<R> {
  /** Listener name for the log lines (`policy`, `milter`). */
  protocol: string;
  /** The configured fail action as the admin wrote it, for the log lines. */
  action: string;
  /** The answer when the scan cannot decide. */
  failReply: R;
  /** True when `failReply` refuses the mail for now: then accepting answers from incomplete scans become it too. */
  refuses: boolean;
  log: Logger;
}

/**
 * An incident starts with the first failure after a success and ends with the next clean scan. One warn
 * line opens it (with the first reason), one info line closes it (with how many requests it covered), so a
 * store outage under load is two log lines instead of thousands. One instance per listener and process.
 */
export class ScanFailSafe<R> {
  readonly action: string;
  readonly failReply: R;
  readonly #opts: ScanFailSafeOptions<R>;
  readonly #incident = new IncidentLog();

  constructor(opts: ScanFailSafeOptions<R>) {
    this.#opts = opts;
    this.action = opts.action;
    this.failReply = opts.failReply;
  }

  get inIncident(): boolean {
    return this.#incident.open;
  }

  /** The scan threw or timed out: answer the configured action. */
  scanFailed(reason: string): R {
    this.#note({ reason }, `${this.#opts.protocol} scan failed; answering the fail-safe action until scans succeed again`);
    return this.#opts.failReply;
  }

  /**
   * The scan finished but some checks failed. Their verdicts are missing, so an answer that would let the
   * mail through (`accepting`) becomes the fail-safe action when that refuses; a refusal from the checks
   * that did run stands.
   */
  checksFailed(checks: string[], reply: R, accepting: boolean): R {
    this.#note({ checks }, `checks failed during ${this.#opts.protocol} scans; answering the fail-safe action until scans succeed again`);
    return this.#opts.refuses && accepting ? this.#opts.failReply : reply;
  }

  succeeded(): void {
    this.#incident.succeeded(this.#opts.log, () => `${this.#opts.protocol} scans succeed again; fail-safe incident over`, 'failedRequests');
  }

  #note(fields: Record<string, unknown>, msg: string): void {
    this.#incident.failed(this.#opts.log, 'warn', { ...fields, failAction: this.action }, msg);
  }
}
