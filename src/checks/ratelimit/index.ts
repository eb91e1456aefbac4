// The ratelimit check: token buckets per client IP, sender, recipient, SASL user or a combination, in the shared store; over the limit → tempfail.

import { defineCheck, type SymbolDecl } from '../../core/check.ts';
import type { ScanRequest } from '../../core/types.ts';
import { StoreIncident } from '../../log/incident-log.ts';
import { limitSymbol, ratelimitConfigSchema, type RateKeyPart, type RateLimit, type RatelimitConfig } from './config.ts';

export const RATELIMIT_CHECK_NAME = 'ratelimit';
const STORE_FAIL_SYMBOL = 'RATELIMIT_STORE_FAIL';
/** One scan takes from at most this many buckets per limit: a 1000-recipient message must not cost 1000 round trips. */
export const MAX_BUCKETS_PER_LIMIT = 100;
/** Budget for one run: one store round trip per bucket; the Redis command timeout is 2 s. */
const RATELIMIT_TIMEOUT_MS = 5_000;

interface RatelimitState {
  incident: StoreIncident;
}

function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at >= 0 && at < address.length - 1 ? address.slice(at + 1) : undefined;
}

/** Values of one key part; [] when the request lacks it (then the limit does not apply). */
function partValues(part: RateKeyPart, req: ScanRequest): string[] {
  const lower = (v: string | undefined) => (v === undefined || v === '' ? [] : [v.trim().toLowerCase()]);
  switch (part) {
    case 'client_ip':
      return lower(req.clientIp);
    case 'sender':
      // The null sender (bounces) shares one bucket per other key part.
      return req.mailFrom === undefined ? [] : req.mailFrom === '' ? ['<>'] : lower(req.mailFrom);
    case 'sender_domain':
      return lower(req.mailFrom ? domainOf(req.mailFrom) : undefined);
    case 'rcpt':
      return [...new Set(req.rcptTo.flatMap(lower))];
    case 'rcpt_domain':
      return [...new Set(req.rcptTo.flatMap((r) => lower(domainOf(r))))];
    case 'user':
      return lower(req.user);
  }
}

/** The limit's bucket keys for this request: every combination of its parts' values, at most MAX_BUCKETS_PER_LIMIT. */
export function bucketKeys(limit: Pick<RateLimit, 'name' | 'key'>, req: ScanRequest): string[] {
  let combos: string[][] = [[]];
  for (const part of limit.key) {
    const values = partValues(part, req);
    if (values.length === 0) return [];
    combos = combos.flatMap((c) => values.map((v) => [...c, v])).slice(0, MAX_BUCKETS_PER_LIMIT);
  }
  return combos.map((c) => `ratelimit:${limit.name}:${c.join('|')}`);
}

function replyText(limit: RateLimit, config: RatelimitConfig, retryAfterMs: number): string {
  const template = limit.message ?? (limit.action === 'reject' ? config.reject_message : config.message);
  return template.replace(/%s/g, String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
}

export const ratelimitCheck = defineCheck<string, RatelimitConfig, RatelimitState>({
  name: RATELIMIT_CHECK_NAME,
  description: 'Token-bucket rate limits per client IP, sender, recipient, SASL user or combinations, shared through the store',
  phase: 'connect',
  timeoutMs: RATELIMIT_TIMEOUT_MS,
  enabledByDefault: false,
  configSchema: ratelimitConfigSchema,
  symbols: (config) => {
    const out: Record<string, SymbolDecl> = {
      [STORE_FAIL_SYMBOL]: { weight: 0, description: 'Store unreachable: rate limits were not applied (options: the fail-safe action)' },
    };
    for (const l of config.limits) {
      out[limitSymbol(l.name)] = {
        weight: 0,
        description: `Rate limit ${l.name} exceeded (${l.key.join('+')}: ${l.rate}, burst ${l.burst}; options: bucket, seconds until it allows one more)`,
      };
    }
    return out;
  },
  setup() {
    return { incident: new StoreIncident('ratelimit') };
  },
  async run(task, state, config) {
    if (config.limits.length === 0) return;
    const now = task.ctx.clock.now();
    try {
      for (const limit of config.limits) {
        for (const key of bucketKeys(limit, task.request)) {
          const d = await task.ctx.store.rate.take(key, limit.ratePerSec, limit.burst, now);
          if (d.allowed) continue;
          task.hit(limitSymbol(limit.name), [key.slice(key.indexOf(':', 'ratelimit:'.length) + 1), `${Math.ceil(d.retryAfterMs / 1000)}s`]);
          task.force(limit.action, replyText(limit, config, d.retryAfterMs));
          task.log.debug({ limit: limit.name, key, retryAfterMs: d.retryAfterMs }, 'ratelimit: over the limit');
        }
      }
      state.incident.succeeded(task.log);
    } catch (err) {
      state.incident.failed(task.log, err, 'no action');
      task.hit(STORE_FAIL_SYMBOL, ['no action']);
    }
  },
});
