// Groups a batch's requests by namespace: a Redis transaction may only touch one namespace's hash tag (Cluster slot).

import type { LearnOutcome } from '../interfaces.ts';
import { namespaceOf } from '../rules.ts';
import type { RedisClient } from './client.ts';
import { queueScript } from './lua.ts';
import { execTx } from './tx.ts';

/** Namespace → indexes of its requests, in request order; namespaces in order of first appearance. */
export function byNamespace(reqs: readonly { user?: string }[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  reqs.forEach((r, i) => {
    const ns = namespaceOf(r.user);
    const idx = out.get(ns);
    if (idx) idx.push(i);
    else out.set(ns, [i]);
  });
  return out;
}

/**
 * One MULTI of `script` calls per namespace, after registering the namespace in `registry` (outside any hash
 * tag, so not in the MULTI): Redis runs each MULTI whole or (connection lost before EXEC) not at all.
 */
export async function scriptPerNamespace(
  client: RedisClient,
  registry: string,
  reqs: readonly { user?: string }[],
  script: string,
  argsOf: (i: number) => (string | number)[],
): Promise<LearnOutcome[]> {
  const out: LearnOutcome[] = new Array<LearnOutcome>(reqs.length);
  for (const [ns, idx] of byNamespace(reqs)) {
    await client.sadd(registry, ns);
    const m = client.multi();
    for (const i of idx) queueScript(m, script, ...argsOf(i));
    const res = (await execTx(m)) as [LearnOutcome, number][];
    idx.forEach((i, j) => (out[i] = res[j][0]));
  }
  return out;
}
