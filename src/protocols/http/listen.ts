// Creates the http.Server for a handler with bounded timeouts, and closes it letting in-flight requests finish.

import { createServer, type Server } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { RequestHandler } from './scan-handler.ts';

/** A client must send all request headers within this time (slowloris guard). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Whole request, body included: a 50 MiB message over a slow link plus the scan fits comfortably. */
export const REQUEST_TIMEOUT_MS = 120_000;
/** Idle keep-alive connections are closed after this; rspamc closes after each request anyway. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How long `closeServer` waits for in-flight requests before cutting connections. */
export const DEFAULT_CLOSE_GRACE_MS = 10_000;
/** Servers that are shutting down: their remaining keep-alive connections get `Connection: close` on the next reply. */
const draining = new WeakSet<Server>();

export interface ListenOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
}

export function createHttpServer(handler: RequestHandler): Server {
  const server: Server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // rspamd headers such as repeated Rcpt must stay distinct; Node keeps them in headersDistinct.
      joinDuplicateHeaders: false,
    },
    (req, res) => {
      if (draining.has(server)) res.setHeader('Connection', 'close');
      handler(req, res);
    },
  );
  // A malformed request or a reset socket is the client's problem: answer 400 where possible, never crash.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  return server;
}

/** Starts listening; resolves with the server and the bound address (the real port when 0 was asked). */
export async function listen(handler: RequestHandler, opts: ListenOptions): Promise<{ server: Server; address: AddressInfo }> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, address: server.address() as AddressInfo };
}

/**
 * Stops accepting connections and lets every open one finish: in-flight requests complete, a request that
 * arrives on a kept-alive connection is still served (with `Connection: close`), and idle connections end at
 * their keep-alive timeout, which clients know from the `Keep-Alive` header. Closing idle sockets at once
 * instead would race a client that is just sending on one (it sees ECONNRESET). After `graceMs` the
 * remaining connections are cut so shutdown cannot hang on a stuck client.
 */
export async function closeServer(server: Server, graceMs = DEFAULT_CLOSE_GRACE_MS): Promise<void> {
  draining.add(server);
  // net.Server's close stops accepting without http.Server's immediate closing of idle connections.
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
