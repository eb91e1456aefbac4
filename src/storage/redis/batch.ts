// Groups a batch's requests by namespace: a Redis transaction may only touch one namespace's hash tag (Cluster slot).

import { namespaceOf } from '../rules.ts';

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
