// The SMTP front listener: connection limits (spamd's maxcon, per-IP), one FrontSession per client, drain on shutdown.

import { createServer, type Server, type Socket } from 'node:net';
import { closeWithGrace } from '../../net/drain-server.ts';
import { normalizeIp } from '../../net/ip-address.ts';
import { CLOSE_GRACE_MS, FrontSession, type FrontContext } from './session.ts';

/** Spliced sessions (real mail in flight to the MTA) get this long to finish when the daemon stops. */
export const DEFAULT_DRAIN_GRACE_MS = 10_000;

export interface FrontLimits {
  /** Connections held at once (spamd -c). */
  maxConnections: number;
  /** Connections from one address at once. */
  maxPerIp: number;
}

/** Shared by every listen address of one process, so limits count all of them. */
export interface FrontState {
  ctx: FrontContext;
  limits: FrontLimits;
  sessions: Set<FrontSession>;
  perIp: Map<string, number>;
  draining: boolean;
}

export function frontState(ctx: FrontContext, limits: FrontLimits): FrontState {
  return { ctx, limits, sessions: new Set(), perIp: new Map(), draining: false };
}

const states = new WeakMap<Server, FrontState>();

/** Over a limit: a short 421 and the door, before any scan or store work. */
function refuse(socket: Socket, hostname: string, why: string): void {
  socket.on('error', () => undefined);
  socket.setTimeout(CLOSE_GRACE_MS, () => socket.destroy());
  socket.end(`421 ${hostname} ${why}, please try again later\r\n`);
}

export function createSmtpFrontServer(state: FrontState): Server {
  const { ctx, limits } = state;
  const server = createServer({ noDelay: true }, (socket) => {
    const ip = normalizeIp(socket.remoteAddress ?? '');
    if (ip === undefined) return void socket.destroy();
    if (state.draining) return refuse(socket, ctx.hostname, 'Service shutting down');
    if (state.sessions.size >= limits.maxConnections) return refuse(socket, ctx.hostname, 'Too many connections');
    const fromIp = state.perIp.get(ip) ?? 0;
    if (fromIp >= limits.maxPerIp) return refuse(socket, ctx.hostname, 'Too many connections from your address');
    state.perIp.set(ip, fromIp + 1);
    const session = new FrontSession(socket, ip, ctx, () => {
      state.sessions.delete(session);
      const n = (state.perIp.get(ip) ?? 1) - 1;
      if (n > 0) state.perIp.set(ip, n);
      else state.perIp.delete(ip);
    });
    state.sessions.add(session);
    session.start().catch((err: unknown) => {
      ctx.log.error({ client: ip, err: String(err) }, 'smtp-front: session failed');
      socket.destroy();
    });
  });
  states.set(server, state);
  return server;
}

/**
 * Stops accepting; tarpitted and greylisted clients are dropped at once (they retry later), sessions already
 * handed to the MTA get `graceMs` to finish their message, then whatever is left is cut.
 */
export async function drainSmtpFrontServer(server: Server, graceMs = DEFAULT_DRAIN_GRACE_MS): Promise<void> {
  const state = states.get(server);
  if (state) {
    state.draining = true;
    for (const s of state.sessions) s.shutdown();
  }
  await closeWithGrace(server, graceMs, () => {
    for (const s of state?.sessions ?? []) s.shutdown(true);
  });
}
