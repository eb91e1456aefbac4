// Stops a server accepting and waits for its connections to end, cutting whatever is left after a grace period.

import type { Server } from 'node:net';

/**
 * The caller has already told its connections to finish (idle ones closed, busy ones marked); this closes the
 * listening socket, calls `cut` once `graceMs` has passed, and resolves when the last connection is gone.
 */
export async function closeWithGrace(server: Server, graceMs: number, cut: () => void): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const timer = setTimeout(cut, graceMs);
  timer.unref();
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
