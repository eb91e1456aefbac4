// Prunes the Bayes statistics on a timer inside the daemon, at most once per interval across every worker and host sharing the store.

import type { Clock, Logger } from '../../core/context.ts';
import { pruneAll, type PruneAllOptions } from '../../classifier/prune.ts';
import type { Store } from '../../storage/store.ts';

/** How often each process asks whether a prune is due; the rate-store lock lets only one of them run it. */
export const PRUNE_POLL_INTERVAL_MS = 60 * 60 * 1000;
/** Rate-store key used as the once-per-interval lock. */
export const PRUNE_LOCK_KEY = 'bayes:prune';

/**
 * Every worker polls hourly, and the first to take the single token of a bucket that refills once per
 * interval prunes: the rate store is atomic in every backend, so with any number of workers (and hosts
 * sharing one Redis) one prune runs per interval, and a dead worker does not stop pruning. The timer is
 * unref'd so it never keeps a process (or a one-off CLI command) alive.
 */
export function startPruneTimer(
  store: Pick<Store, 'tokens' | 'weights' | 'rate'>,
  intervalHours: number,
  options: PruneAllOptions,
  clock: Clock,
  log: Logger,
): { stop(): void; runOnce(): Promise<boolean> } {
  const intervalSec = intervalHours * 3600;
  let running = false;
  const runOnce = async (): Promise<boolean> => {
    if (running) return false;
    running = true;
    try {
      const now = clock.now();
      const lock = await store.rate.take(PRUNE_LOCK_KEY, 1 / intervalSec, 1, Math.floor(now));
      if (!lock.allowed) return false;
      const started = performance.now();
      const r = await pruneAll(store, { ...options, now });
      log.info(
        {
          tokensRemoved: r.tokens.tokensRemoved,
          weightsRemoved: r.weights.tokensRemoved,
          signaturesRemoved: r.tokens.signaturesRemoved + r.weights.signaturesRemoved,
          ms: Math.round(performance.now() - started),
        },
        'bayes statistics pruned',
      );
      return true;
    } catch (err) {
      log.error({ err: String(err) }, 'bayes prune failed; will retry at the next poll');
      return false;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void runOnce(), Math.min(PRUNE_POLL_INTERVAL_MS, intervalSec * 1000));
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
