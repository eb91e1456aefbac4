// Posts a message to an rspamd-compatible `/checkv2` endpoint (winnow or rspamd) and checks the reply is a verdict.

import { Agent, request } from 'node:http';

/** A scan slower than this is an error, not a latency sample. */
export const SCAN_REQUEST_TIMEOUT_MS = 30_000;

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

/** Resolves when a 200 reply with a JSON `action` arrived; rejects otherwise. */
export function postCheckv2(agent: Agent, url: string, body: Buffer, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, timeout: SCAN_REQUEST_TIMEOUT_MS, headers: { ...headers, 'Content-Length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
          try {
            const reply = JSON.parse(text) as { action?: unknown; error?: unknown };
            if (typeof reply.action !== 'string') return reject(new Error(`no action in reply: ${text.slice(0, 200)}`));
            resolve();
          } catch {
            reject(new Error(`reply is not JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no reply within ${SCAN_REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
