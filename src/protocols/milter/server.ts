// The milter listener (TCP or unix socket): frames packets, runs one MilterSession per connection, answers in order, drains on shutdown.

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../core/context.ts';
import { closeWithGrace } from '../../net/drain-server.ts';
import type { ScanFailSafe } from '../fail-safe.ts';
import { decodeCommand, encodeReply, type MilterReply } from './codec.ts';
import { MilterFramer, type Packet } from './framing.ts';
import { MilterSession, type MilterScanner, type SessionOptions } from './session.ts';

/** Postfix holds a milter connection for a whole SMTP session (smtpd_timeout 300 s per command); one silent far longer is dead. */
export const IDLE_TIMEOUT_MS = 3_600_000;
/** Packets queued while a scan runs before reading pauses (the MTA itself waits for the end-of-body answer). */
export const MAX_QUEUED_PACKETS = 256;
/** How long a drain waits for messages in progress before cutting their connections. */
export const DEFAULT_DRAIN_GRACE_MS = 10_000;

export interface MilterServerOptions {
  scanner: MilterScanner;
  log: Logger;
  failSafe: ScanFailSafe<MilterReply[]>;
  session: SessionOptions;
}

interface Connection {
  socket: Socket;
  session: MilterSession;
  queue: Packet[];
  /** A command (end of body) is being handled; later packets wait. */
  busy: boolean;
  /** Close once the current message is answered (drain), or once the queue is done (the MTA ended its side). */
  closing: boolean;
  ended: boolean;
}

interface ServerState {
  connections: Set<Connection>;
}

const states = new WeakMap<Server, ServerState>();

export function createMilterServer(opts: MilterServerOptions): Server {
  const state: ServerState = { connections: new Set() };

  const server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    const remote = socket.remoteAddress ?? 'unix';
    const framer = new MilterFramer();
    let failed = false;
    const conn: Connection = {
      socket,
      queue: [],
      busy: false,
      closing: false,
      ended: false,
      session: new MilterSession({
        scanner: opts.scanner,
        log: opts.log,
        failSafe: opts.failSafe,
        options: opts.session,
        write: (replies) => {
          if (!socket.destroyed && socket.writable) socket.write(Buffer.concat(replies.map(encodeReply)));
        },
      }),
    };
    state.connections.add(conn);

    /** One warn line per broken connection, then it is cut: the stream cannot be trusted any more. */
    const fail = (reason: string) => {
      if (failed) return;
      failed = true;
      opts.log.warn({ reason, remote }, 'milter client broke the protocol; closing the connection');
      conn.queue = [];
      socket.destroy();
    };
    const finish = () => {
      if (!socket.destroyed) socket.end(() => socket.destroy());
    };
    const idle = () => !conn.busy && conn.queue.length === 0;

    const pump = async () => {
      if (conn.busy) return;
      conn.busy = true;
      try {
        while (conn.queue.length > 0 && !socket.destroyed) {
          const packet = conn.queue.shift()!;
          const decoded = decodeCommand(packet);
          if (!decoded.ok) return fail(decoded.reason);
          let outcome = conn.session.handle(decoded.command);
          if (outcome instanceof Promise) {
            socket.pause();
            outcome = await outcome;
          }
          if (outcome.close) {
            if (outcome.error) return fail(outcome.error);
            conn.queue = [];
            return finish();
          }
          if (conn.closing && !conn.session.inMessage) return finish();
        }
      } finally {
        conn.busy = false;
      }
      if (conn.ended) return finish();
      if (conn.queue.length < MAX_QUEUED_PACKETS && socket.isPaused() && !socket.destroyed) socket.resume();
    };
    const run = () => {
      // A handler that throws is a bug, not the MTA's fault; still only this connection goes.
      pump().catch((err: unknown) => {
        opts.log.error({ err: String(err), remote }, 'milter connection failed');
        socket.destroy();
      });
    };

    socket.setTimeout(IDLE_TIMEOUT_MS);
    socket.on('timeout', () => {
      if (idle()) socket.destroy();
    });
    socket.on('error', () => undefined); // a peer reset is routine; 'close' cleans up
    socket.on('close', () => state.connections.delete(conn));
    socket.on('end', () => {
      conn.ended = true;
      if (framer.pendingBytes > 0) return fail(`connection closed in the middle of a packet (${framer.pendingBytes} bytes buffered)`);
      if (idle()) finish();
    });
    socket.on('data', (chunk: Buffer) => {
      conn.queue.push(...framer.feed(chunk));
      if (framer.error) return fail(framer.error);
      if (conn.queue.length >= MAX_QUEUED_PACKETS) socket.pause();
      run();
    });
  });
  states.set(server, state);
  return server;
}

/**
 * Stops accepting; connections between messages close now (Postfix opens a new one for its next SMTP
 * session, to the next worker), a message in progress gets its answer first. After `graceMs` whatever is
 * left is cut, and Postfix applies milter_default_action to those messages.
 */
export async function drainMilterServer(server: Server, graceMs = DEFAULT_DRAIN_GRACE_MS): Promise<void> {
  const connections = states.get(server)?.connections ?? new Set<Connection>();
  for (const conn of connections) {
    conn.closing = true;
    if (!conn.busy && conn.queue.length === 0 && !conn.session.inMessage) conn.socket.end(() => conn.socket.destroy());
  }
  await closeWithGrace(server, graceMs, () => {
    for (const conn of connections) conn.socket.destroy();
  });
}
