// The policy benchmark's request stream (new greylisting triplets, then their retries) and the closed-loop driver over N persistent connections.

import { connect, type Socket } from 'node:net';
import { encodeRequest, type PolicyTarget } from '../../src/protocols/policy/test-client.ts';

/** Sender domains are few, as in real traffic, so per-domain caches (SPF...) see repeats. */
const SENDER_DOMAINS = 50;

/** /24 networks in 10/8 that triplets() can use: 256 × 250. */
const NETWORKS_IN_10_8 = 256 * 250;

/**
 * `count` distinct triplets: client IPs in 10/8 spread over many /24s, so /24 grouping (postgrey's default)
 * does not merge them; sender and recipient unique per triplet. `firstNetwork` shifts the /24s used, so that two
 * streams (warm-up and timed) do not add up passes of the same networks.
 */
export function triplets(count: number, salt: string, firstNetwork = 0): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  // At least 1,000 /24 networks, and never more than 4 triplets in one: auto-whitelisting (5 passes per network in
  // both) stays out of the way however long the run.
  const networks = Math.max(1000, Math.ceil(count / 4));
  for (let i = 0; i < count; i++) {
    const net = (firstNetwork + (i % networks)) % NETWORKS_IN_10_8;
    const host = 1 + (Math.floor(i / networks) % 250);
    out.push({
      request: 'smtpd_access_policy',
      protocol_state: 'RCPT',
      protocol_name: 'ESMTP',
      client_address: `10.${Math.floor(net / 250) % 256}.${net % 250}.${host}`,
      client_name: 'unknown',
      reverse_client_name: 'unknown',
      helo_name: `mx${i % 97}.sender${i % SENDER_DOMAINS}.example`,
      sender: `user${i}-${salt}@sender${i % SENDER_DOMAINS}.example`,
      recipient: `rcpt${i}@example.org`,
      recipient_count: '0',
      queue_id: '',
      instance: `${salt}.${i}`,
      size: '0',
      sasl_method: '',
      sasl_username: '',
      encryption_keysize: '0',
      stress: '',
    });
  }
  return out;
}

export interface PassResult {
  requests: number;
  elapsedMs: number;
  /** Reply counts by access(5) verb (DUNNO, DEFER_IF_PERMIT, PREPEND...). */
  verbs: Record<string, number>;
}

const ACTION = Buffer.from('action=');
const REPLY_END = Buffer.from('\n\n');

/** The first word of an action: `DEFER_IF_PERMIT`, `PREPEND`...; an explicit code `450` → `4xx`. */
function verbOf(word: string): string {
  return /^\d{3}$/.test(word) ? `${word[0]}xx` : word;
}

/** One persistent connection that sends a request only once the previous reply is in, as Postfix's smtpd does. */
function openConnection(target: PolicyTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = 'path' in target ? connect(target.path) : connect(target.port, target.host);
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      s.setNoDelay(true);
      resolve(s);
    });
  });
}

/**
 * Sends `requests` over `connections` persistent connections, each one request at a time (as a Postfix
 * smtpd process does), taking the next request from a shared cursor until none is left. Requests are encoded
 * before the clock starts and replies are only split and counted, so the load generator, which shares the
 * machine's cores with the server under test, costs as little CPU as it can.
 */
export async function runPass(target: PolicyTarget, connections: number, requests: readonly Record<string, string>[]): Promise<PassResult> {
  const encoded = requests.map((r) => Buffer.from(encodeRequest(r)));
  const sockets = await Promise.all(Array.from({ length: connections }, () => openConnection(target)));
  const verbs: Record<string, number> = {};
  let cursor = 0;
  const started = performance.now();
  try {
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve, reject) => {
            // Replies are bytes: no string decoding of the stream, only the verb of each reply is turned into text.
            let pending: Buffer | undefined;
            let current = -1;
            const next = (): void => {
              current = cursor++;
              if (current >= encoded.length) return resolve();
              socket.write(encoded[current]);
            };
            socket.on('data', (chunk: Buffer) => {
              const data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
              let start = 0;
              let end: number;
              while ((end = data.indexOf(REPLY_END, start)) >= 0) {
                if (data.compare(ACTION, 0, ACTION.length, start, start + ACTION.length) !== 0) {
                  return reject(new Error(`no action line in the reply to request ${current}: ${data.toString('latin1', start, end)}`));
                }
                const from = start + ACTION.length;
                const space = data.indexOf(0x20, from);
                const verb = verbOf(data.toString('latin1', from, space >= 0 && space < end ? space : end));
                verbs[verb] = (verbs[verb] ?? 0) + 1;
                start = end + REPLY_END.length;
                next();
              }
              pending = start < data.length ? data.subarray(start) : undefined;
            });
            socket.once('error', reject);
            socket.once('close', () => reject(new Error(`the server closed a connection at request ${current}`)));
            next();
          }),
      ),
    );
  } finally {
    for (const s of sockets) s.destroy();
  }
  return { requests: requests.length, elapsedMs: performance.now() - started, verbs };
}
