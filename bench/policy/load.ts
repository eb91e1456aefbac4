// The policy benchmark's request stream (new greylisting triplets, then their retries) and the closed-loop driver over N persistent connections.

import { PolicyClient, type PolicyTarget } from '../../src/protocols/policy/test-client.ts';

/** Sender domains are few, as in real traffic, so per-domain caches (SPF...) see repeats. */
const SENDER_DOMAINS = 50;

/**
 * `count` distinct triplets: client IPs in 10/8 spread over many /24s, so /24 grouping (postgrey's default)
 * does not merge them; sender and recipient unique per triplet.
 */
export function triplets(count: number, salt: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (let i = 0; i < count; i++) {
    // 1,000 /24 networks: a few triplets each, so auto-whitelisting (5 passes per network in both) stays out of the way.
    const net = i % 1000;
    const host = 1 + (Math.floor(i / 1000) % 250);
    out.push({
      request: 'smtpd_access_policy',
      protocol_state: 'RCPT',
      protocol_name: 'ESMTP',
      client_address: `10.${Math.floor(net / 250)}.${net % 250}.${host}`,
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

/**
 * Sends `requests` over `connections` persistent connections, each one request at a time (as a Postfix
 * smtpd process does), taking the next request from a shared cursor until none is left.
 */
export async function runPass(target: PolicyTarget, connections: number, requests: readonly Record<string, string>[]): Promise<PassResult> {
  const clients = await Promise.all(Array.from({ length: connections }, () => PolicyClient.open(target)));
  const verbs: Record<string, number> = {};
  let cursor = 0;
  const started = performance.now();
  try {
    await Promise.all(
      clients.map(async (c) => {
        for (let i = cursor++; i < requests.length; i = cursor++) {
          const action = await c.ask(requests[i]);
          if (action === '(connection closed)') throw new Error(`the server closed a connection at request ${i}`);
          const verb = /^\d{3}\b/.test(action) ? `${action[0]}xx` : action.split(' ')[0];
          verbs[verb] = (verbs[verb] ?? 0) + 1;
        }
      }),
    );
  } finally {
    for (const c of clients) c.close();
  }
  return { requests: requests.length, elapsedMs: performance.now() - started, verbs };
}
