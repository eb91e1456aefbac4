// The policy listener's fail-safe: DUNNO or DEFER when a scan cannot decide, logged once per incident (shared logic in ../fail-safe.ts).

import type { Logger } from '../../core/context.ts';
import { ScanFailSafe } from '../fail-safe.ts';
import { failAction, type FailAction } from './reply.ts';

export { FAIL_GROUP, failedChecks } from '../fail-safe.ts';

export class FailSafe extends ScanFailSafe<string> {
  declare readonly action: FailAction;

  constructor(action: FailAction, log: Logger) {
    super({ protocol: 'policy', action, failReply: failAction(action), refuses: action === 'DEFER', log });
  }

  /** Like the shared one, with "accepting" read off the access(5) action. */
  override checksFailed(checks: string[], action: string): string {
    return super.checksFailed(checks, action, accepts(action));
  }
}

/** Actions after which Postfix goes on towards accepting the mail. */
function accepts(action: string): boolean {
  return action === 'DUNNO' || action.startsWith('PREPEND ');
}
