// The policy listener's fail-safe: what to answer when a scan cannot decide, logged once per incident rather than per request.

import { IncidentLog } from '../../log/incident-log.ts';
import type { Logger } from '../../core/context.ts';
import type { ScanResult } from '../../core/types.ts';
import { failAction, type FailAction } from './reply.ts';

/** The engine declares every check's failure symbol in this group (`<CHECK>_CHECK_FAIL`, weight 0). */
export const FAIL_GROUP = 'fail';

/** Failure symbols in a result: the checks that threw or timed out during this scan (a store outage shows up here). */
export function failedChecks(result: ScanResult): string[] {
  const out: string[] = [];
  for (const s of Object.values(result.symbols)) if (s.group === FAIL_GROUP) out.push(s.name);
  return out;
}

/**
 * An incident starts with the first failure after a success and ends with the next clean scan. One warn
 * line opens it (with the first reason), one info line closes it (with how many requests it covered), so a
 * store outage under load is two log lines instead of thousands.
 */
export class FailSafe {
  readonly action: FailAction;
  readonly #log: Logger;
  readonly #incident = new IncidentLog();

  constructor(action: FailAction, log: Logger) {
    this.action = action;
    this.#log = log;
  }

  get inIncident(): boolean {
    return this.#incident.open;
  }

  /** The scan threw or timed out: answer the configured action. */
  scanFailed(reason: string): string {
    this.#note({ reason }, 'policy scan failed; answering the fail-safe action until scans succeed again');
    return failAction(this.action);
  }

  /**
   * The scan finished but some checks failed. Their verdicts are missing, so an answer that would let the
   * mail through becomes the fail-safe action; a reject or defer from the checks that did run stands.
   */
  checksFailed(checks: string[], action: string): string {
    this.#note({ checks }, 'checks failed during policy scans; answering the fail-safe action until scans succeed again');
    return this.action === 'DEFER' && accepts(action) ? failAction('DEFER') : action;
  }

  succeeded(): void {
    this.#incident.succeeded(this.#log, () => 'policy scans succeed again; fail-safe incident over', 'failedRequests');
  }

  #note(fields: Record<string, unknown>, msg: string): void {
    this.#incident.failed(this.#log, 'warn', { ...fields, failAction: this.action }, msg);
  }
}

/** Actions after which Postfix goes on towards accepting the mail. */
function accepts(action: string): boolean {
  return action === 'DUNNO' || action.startsWith('PREPEND ');
}
