// GET /api/status: the status page's figures (scans, actions, learns, store health, workers), cheap enough to poll every few seconds.

import type { BayesStats } from '../../classifier/service-types.ts';
import { actionCounter } from '../../core/scan-recorder.ts';
import { ACTIONS } from '../../core/types.ts';
import type { StoreHealth } from '../../storage/interfaces.ts';
import { version } from '../../version.ts';
import type { ControllerDeps, ControllerRoute, WorkerFigure } from './controller-types.ts';
import { requireMethod } from './json-body.ts';
import { isSpamAction } from './reply-json.ts';
import { sendJson } from './respond.ts';

/** Store health (an INFO round trip on Redis, file stats on SQLite) and classifier totals change slowly: asked at most this often. */
export const STATUS_SLOW_PARTS_TTL_MS = 5_000;

/** Remembers an async value for `ttlMs`; concurrent callers share one pending call; a failure is not remembered. */
export function ttlCache<T>(fn: () => Promise<T>, ttlMs: number, now: () => number): () => Promise<T> {
  let value: { at: number; v: T } | undefined;
  let pending: Promise<T> | undefined;
  return async () => {
    if (value && now() - value.at < ttlMs) return value.v;
    pending ??= fn()
      .then((v) => {
        value = { at: now(), v };
        return v;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

function num(c: Record<string, number>, name: string): number {
  const v = c[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function statusRoutes(deps: ControllerDeps, now: () => number): [string, ControllerRoute][] {
  const health = ttlCache<StoreHealth | { ok: boolean; backend: string; detail: string }>(
    async () => {
      if (!deps.store.health) return { ok: true, backend: 'unknown', detail: '' };
      try {
        return await deps.store.health();
      } catch (err) {
        return { ok: false, backend: 'unknown', detail: String(err) };
      }
    },
    STATUS_SLOW_PARTS_TTL_MS,
    now,
  );
  const bayesStats = ttlCache<BayesStats | undefined>(
    async () => {
      try {
        return await deps.bayes?.stats();
      } catch (err) {
        deps.log.warn({ err: String(err) }, 'bayes statistics unavailable for /api/status');
        return undefined;
      }
    },
    STATUS_SLOW_PARTS_TTL_MS,
    now,
  );

  const status: ControllerRoute = {
    privileged: false,
    api: true,
    async handle(c) {
      requireMethod(c.req, 'GET', 'HEAD');
      await deps.recorder?.flush();
      const [counters, h, bayes] = await Promise.all([deps.store.counters.getAll(), health(), bayesStats()]);
      const actions: Record<string, number> = {};
      let spamCount = 0;
      let hamCount = 0;
      for (const a of ACTIONS) {
        const n = num(counters, actionCounter(a));
        actions[a] = n;
        if (isSpamAction(a)) spamCount += n;
        else hamCount += n;
      }
      const self: WorkerFigure = { pid: process.pid, generation: deps.generation, rssBytes: process.memoryUsage.rss(), uptimeSec: Math.floor(process.uptime()) };
      const others = (deps.workers?.() ?? []).filter((w) => w.pid !== process.pid);
      const reported = deps.workers?.().find((w) => w.pid === process.pid);
      sendJson(c.res, 200, {
        version,
        uptimeSec: Math.floor(c.uptimeSec),
        generation: deps.generation,
        readOnly: c.readOnly,
        scanned: num(counters, 'scanned'),
        actions,
        spamCount,
        hamCount,
        learned: { spam: num(counters, 'learned:spam'), ham: num(counters, 'learned:ham'), total: num(counters, 'learned') },
        bayes: bayes && { model: bayes.model, nspam: bayes.nspam, nham: bayes.nham, used: bayes.used, total: bayes.total },
        store: { healthy: h.ok, backend: h.backend, detail: h.detail, sizeBytes: deps.storeSizeBytes?.() },
        workers: [{ ...reported, ...self }, ...others].sort((a, b) => a.pid - b.pid),
      });
    },
  };
  return [['api/status', status]];
}
