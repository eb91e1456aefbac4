// Creates the http.Server for a handler with bounded timeouts, and closes it letting in-flight requests finish.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from './scan-handler.ts';

/** A client must send all request headers within this time (slowloris guard). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Whole request, body included: a 50 MiB message over a slow link plus the scan fits comfortably. */
export const REQUEST_TIMEOUT_MS = 120_000;
/** Idle keep-alive connections are closed after this; rspamc closes after each request anyway. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How long `closeServer` waits for in-flight requests before cutting connections. */
export const DEFAULT_CLOSE_GRACE_MS = 10_000;
/** While closing, connections whose request just finished are closed this often rather than after KEEP_ALIVE_TIMEOUT_MS. */
const CLOSE_IDLE_POLL_MS = 50;

export interface ListenOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
}

export function createHttpServer(handler: RequestHandler): Server {
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // rspamd headers such as repeated Rcpt must stay distinct; Node keeps them in headersDistinct.
      joinDuplicateHeaders: false,
    },
    handler,
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
 * Stops accepting connections, closes idle keep-alive ones and waits for in-flight requests;
 * after `graceMs` the remaining connections are cut so shutdown cannot hang on a stuck client.
 */
export async function closeServer(server: Server, graceMs = DEFAULT_CLOSE_GRACE_MS): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // server.close() drops only the connections idle right now; a keep-alive connection whose request
  // finishes later would otherwise hold shutdown until its keep-alive timeout.
  const poll = setInterval(() => server.closeIdleConnections(), CLOSE_IDLE_POLL_MS);
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  try {
    await closed;
  } finally {
    clearInterval(poll);
    clearTimeout(timer);
  }
}
