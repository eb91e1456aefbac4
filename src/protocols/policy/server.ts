// The Postfix policy delegation server (SMTPD_POLICY_README): persistent connections, pipelined requests answered in order.

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../core/context.ts';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import { PolicyFramer, type PolicyAttributes } from './framing.ts';
import { failedChecks, type FailSafe } from './fail-safe.ts';
import { withTimeout } from '../fail-safe.ts';
import { closeWithGrace } from '../../net/drain-server.ts';
import { policyAction, replyLine } from './reply.ts';
import { mapPolicyRequest, POLICY_REQUEST_TYPE, requestState, type PolicyState } from './request.ts';

/** Just above Postfix's smtpd_policy_service_max_idle (300 s), so Postfix normally closes first. */
export const DEFAULT_IDLE_TIMEOUT_MS = 310_000;
/** A scan slower than this gets the fail-safe answer; Postfix's own smtpd_policy_service_timeout is 100 s. */
export const DEFAULT_SCAN_TIMEOUT_MS = 10_000;
/** Requests of one connection being scanned at once; reading pauses above this (Postfix itself sends one at a time). */
export const MAX_IN_FLIGHT_PER_CONNECTION = 64;
/** How long a drain waits for busy connections before cutting them. */
export const DEFAULT_DRAIN_GRACE_MS = 10_000;

export interface PolicyScanner {
  scan(request: ScanRequest): Promise<ScanResult>;
}

export interface PolicyServerOptions {
  scanner: PolicyScanner;
  log: Logger;
  failSafe: FailSafe;
  /** States that are scanned; requests in other states get DUNNO at once. */
  protocolStates: readonly PolicyState[];
  settingsId?: string;
  scanTimeoutMs?: number;
  idleTimeoutMs?: number;
}

interface Connection {
  socket: Socket;
  inFlight: number;
  /** Set when the connection is to close once its queued replies are written. */
  closing: boolean;
  framer: PolicyFramer;
  /** Postfix's `instance` of the current transaction and the (lower-case) names of headers already PREPENDed in it. */
  instance: string | undefined;
  prepended: Set<string>;
}

interface ServerState {
  connections: Set<Connection>;
  draining: boolean;
}

const states = new WeakMap<Server, ServerState>();

export function createPolicyServer(opts: PolicyServerOptions): Server {
  const state: ServerState = { connections: new Set(), draining: false };
  const scanTimeoutMs = opts.scanTimeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS;
  const scanned = new Set<string>(opts.protocolStates);

  async function answer(attrs: PolicyAttributes, conn: Connection): Promise<string> {
    const s = requestState(attrs);
    if (s !== undefined && !scanned.has(s) && attrs.request === POLICY_REQUEST_TYPE) return 'DUNNO';
    const mapped = mapPolicyRequest(attrs, opts.settingsId);
    if (!mapped.ok) {
      opts.log.warn({ reason: mapped.reason, queueId: attrs.queue_id, client: attrs.client_address }, 'incomplete policy request; answering DUNNO');
      return 'DUNNO';
    }
    let result: ScanResult;
    try {
      result = await withTimeout(opts.scanner.scan(mapped.request), scanTimeoutMs);
    } catch (err) {
      return opts.failSafe.scanFailed(err instanceof Error ? err.message : String(err));
    }
    if (mapped.instance !== conn.instance) {
      conn.instance = mapped.instance;
      conn.prepended.clear();
    }
    let action = policyAction(result, { alreadyPrepended: conn.prepended });
    const failed = failedChecks(result);
    if (failed.length > 0) action = opts.failSafe.checksFailed(failed, action);
    else opts.failSafe.succeeded();
    // Without an instance there is no transaction to dedupe against: every PREPEND goes out.
    if (action.startsWith('PREPEND ') && mapped.instance !== undefined) {
      const line = action.slice('PREPEND '.length);
      conn.prepended.add(line.slice(0, line.indexOf(':')).toLowerCase());
    }
    return action;
  }

  const server = createServer({ noDelay: true }, (socket) => {
    const conn: Connection = { socket, inFlight: 0, closing: false, framer: new PolicyFramer(), instance: undefined, prepended: new Set() };
    state.connections.add(conn);
    /**
     * Replies go out in request order: one slot per request, filled when its scan ends, written from the front
     * as soon as the front is filled. (A plain queue rather than a promise chain per reply: fewer promises per request.)
     */
    const replies: { action: string | undefined }[] = [];
    socket.setTimeout(opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    socket.on('timeout', () => {
      if (conn.inFlight === 0) socket.destroy();
    });
    socket.on('error', () => undefined); // a peer reset is routine; 'close' cleans up
    socket.on('close', () => state.connections.delete(conn));

    const finishIfDone = () => {
      if (conn.closing && conn.inFlight === 0 && !socket.destroyed) socket.end(() => socket.destroy());
    };
    const writeReady = () => {
      while (replies.length > 0 && replies[0].action !== undefined) {
        const action = replies.shift()!.action!;
        if (!socket.destroyed) socket.write(replyLine(action));
        conn.inFlight--;
      }
      if (conn.inFlight < MAX_IN_FLIGHT_PER_CONNECTION && socket.isPaused() && !conn.closing) socket.resume();
      finishIfDone();
    };

    socket.on('data', (chunk: Buffer) => {
      const requests = conn.framer.feed(chunk);
      for (const attrs of requests) {
        conn.inFlight++;
        const slot: { action: string | undefined } = { action: undefined };
        replies.push(slot);
        const settle = (action: string) => {
          slot.action = action;
          writeReady();
        };
        // answer() handles its own failures; the rejection handler only keeps replies flowing if that ever breaks.
        answer(attrs, conn).then(settle, (err: unknown) => settle(opts.failSafe.scanFailed(`policy adapter error: ${String(err)}`)));
      }
      if (conn.framer.error) {
        opts.log.warn({ reason: conn.framer.error, remote: socket.remoteAddress }, 'policy client broke the protocol; closing the connection');
        conn.closing = true;
        socket.pause();
      } else if (conn.inFlight >= MAX_IN_FLIGHT_PER_CONNECTION) {
        socket.pause();
      }
      finishIfDone();
    });
  });
  states.set(server, state);
  return server;
}

/**
 * Stops accepting; idle connections close now (Postfix notices and reconnects, to the next worker), busy
 * ones once their queued replies are written, and a request arriving meanwhile is still answered before its
 * connection closes. After `graceMs` whatever is left is cut.
 */
export async function drainPolicyServer(server: Server, graceMs = DEFAULT_DRAIN_GRACE_MS): Promise<void> {
  const state = states.get(server);
  if (state) {
    state.draining = true;
    for (const conn of state.connections) {
      conn.closing = true;
      if (conn.inFlight === 0 && !conn.framer.midRequest) conn.socket.end(() => conn.socket.destroy());
    }
  }
  await closeWithGrace(server, graceMs, () => {
    for (const conn of state?.connections ?? []) conn.socket.destroy();
  });
}
