// Splices a client connection to the real MTA: bytes both ways with backpressure, half-closes passed on, either side's failure ends both.

import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Pipes `client` ⇄ `upstream` after writing `pending` (client bytes read but not yet handled) upstream. The
 * client's idle timeout stays in force, so a session where neither side says anything ends.
 */
export function splice(client: Duplex & { setTimeout?: Socket['setTimeout'] }, upstream: Socket, pending?: Buffer): void {
  let ended = false;
  const kill = () => {
    if (ended) return;
    ended = true;
    client.destroy();
    upstream.destroy();
  };
  client.on('error', kill);
  upstream.on('error', kill);
  // One side gone for good: the other cannot continue the SMTP session alone.
  client.once('close', () => upstream.destroySoon());
  upstream.once('close', () => {
    if (!client.destroyed) client.end();
  });
  if (pending && pending.length > 0) upstream.write(pending);
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
}
