// Signature bookkeeping shared by the Redis token and weight stores: a class hash + a day zset per namespace.

import type { TokenClass } from '../interfaces.ts';
import { PRUNE_BATCH } from '../rules.ts';
import type { RedisClient } from './client.ts';
import type { Scripts } from './lua.ts';

/** A Redis reply field as a number; a missing field counts as 0. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** The two keys that hold one namespace's learned signatures. */
export interface SignatureKeys {
  sigs: string;
  sigDays: string;
}

export async function learnedClass(client: RedisClient, k: SignatureKeys, sig: string): Promise<TokenClass | undefined> {
  const cls = await client.hget(k.sigs, sig);
  return (cls ?? undefined) as TokenClass | undefined;
}

/** Removes the signatures last learned before `beforeDay`, one bounded script call per batch. */
export async function expireSignatures(scripts: Scripts, k: SignatureKeys, beforeDay: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const n = num(await scripts.expireBatch(2, k.sigs, k.sigDays, beforeDay, PRUNE_BATCH, '1'));
    removed += n;
    if (n < PRUNE_BATCH) return removed;
  }
}

/** Pages by rank of the day zset; a namespace being learned into meanwhile is not dumped as one snapshot. */
export async function* signatureRows(
  client: RedisClient,
  k: SignatureKeys,
): AsyncIterable<{ type: 'signature'; sig: string; cls: TokenClass; day: number }> {
  for (let start = 0; ; start += PRUNE_BATCH) {
    const page = await client.zrange(k.sigDays, String(start), String(start + PRUNE_BATCH - 1), 'WITHSCORES');
    if (page.length === 0) break;
    const sigs = page.filter((_, i) => i % 2 === 0);
    const classes = await client.hmget(k.sigs, ...sigs);
    for (let i = 0; i < sigs.length; i++) {
      const cls = classes[i];
      if (cls === 'spam' || cls === 'ham') yield { type: 'signature', sig: sigs[i], cls, day: Number(page[2 * i + 1]) };
    }
    if (sigs.length < PRUNE_BATCH) break;
  }
}

/** Sorted names of the namespaces in a registry set. */
export async function registeredUsers(client: RedisClient, registry: string): Promise<string[]> {
  return (await client.smembers(registry)).sort();
}
