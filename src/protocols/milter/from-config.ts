// Builds milter servers from the `milter:` config block, with one fail-safe per process shared by every listen address.

import type { Server } from 'node:net';
import type { Logger } from '../../core/context.ts';
import { IpSet } from '../../maps/ip-set.ts';
import { ScanFailSafe } from '../fail-safe.ts';
import type { MilterReply } from './codec.ts';
import type { MilterConfig } from './config.ts';
import { createMilterServer } from './server.ts';
import type { MilterScanner, SessionOptions } from './session.ts';

export function milterFailSafe(action: MilterConfig['fail_action'], log: Logger): ScanFailSafe<MilterReply[]> {
  return new ScanFailSafe<MilterReply[]>({ protocol: 'milter', action, failReply: [{ type: action }], refuses: action === 'tempfail', log });
}

export function milterSessionOptions(c: MilterConfig): SessionOptions {
  const localNetworks = new IpSet();
  for (const n of c.local_networks) localNetworks.add(n, undefined);
  return {
    scanTimeoutMs: c.timeout_ms,
    progressIntervalMs: c.progress_interval_ms,
    maxMessageBytes: c.max_message_size,
    sizeAction: c.size_action,
    replies: {
      rejectMessage: c.reject_message,
      tempfailMessage: c.tempfail_message,
      discardOnReject: c.discard_on_reject,
      quarantineOnReject: c.quarantine_on_reject,
      quarantineReason: c.quarantine_reason,
    },
    authenticated: c.authenticated,
    localNetworks,
    settingsId: c.settings_id,
  };
}

/** A factory for one server per listen address; they share the fail-safe so an outage is logged once per process. */
export function milterServerFactory(c: MilterConfig, log: Logger): (scanner: MilterScanner) => Server {
  const failSafe = milterFailSafe(c.fail_action, log);
  const session = milterSessionOptions(c);
  return (scanner) => createMilterServer({ scanner, log, failSafe, session });
}
