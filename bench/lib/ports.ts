// Finds free loopback TCP ports for daemons a benchmark starts.

import { createServer } from 'node:net';

/** A port the kernel just handed out on 127.0.0.1; free until someone else takes it, which is good enough on a test machine. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
