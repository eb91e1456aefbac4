// Parses listener addresses from config (`127.0.0.1:11333`, `[::1]:11333`, `/run/winnow/http.sock`) and binds servers to them.

import { chmodSync } from 'node:fs';
import type { Server } from 'node:net';

export type ListenTarget = { host: string; port: number } | { path: string };

export function parseListenAddress(s: string): ListenTarget {
  if (s.startsWith('/')) return { path: s };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(s);
  if (!m) throw new Error(`invalid listen address '${s}': expected HOST:PORT, [IPv6]:PORT or /path/to.sock`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid listen address '${s}': port ${port} is above 65535`);
  return { host: m[1] ?? m[2], port };
}

/** Text form of where a server actually listens (resolves port 0 to the bound port). */
export function describeAddress(server: Server): string {
  const a = server.address();
  if (a === null) return '(not listening)';
  if (typeof a === 'string') return a;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/**
 * Unix sockets are opened to every local user, as a loopback TCP port is: the MTA's daemons (Postfix's smtpd runs as
 * `postfix`) must connect whatever our umask. Restrict access with the socket directory's permissions.
 */
export const UNIX_SOCKET_MODE = 0o666;

export function listenOn(server: Server, target: ListenTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      try {
        if ('path' in target) chmodSync(target.path, UNIX_SOCKET_MODE);
        resolve();
      } catch (err) {
        reject(err as Error);
      }
    };
    if ('path' in target) server.listen(target.path, done);
    else server.listen({ host: target.host, port: target.port }, done);
  });
}
