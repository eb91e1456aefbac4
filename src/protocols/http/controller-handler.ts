// The rspamd-compatible controller port (default 127.0.0.1:11334): stats, metrics, symbols, history and scans behind rspamd's auth rules.

import { randomBytes } from 'node:crypto';
import { version } from '../../version.ts';
import { Authenticator } from './auth.ts';
import {
  actionsJson,
  authJson,
  bayesStatfiles,
  countersJson,
  historyJson,
  statJson,
  symbolsJson,
  symbolStats,
} from './controller-json.ts';
import { configEditRoutes } from './config-edit-route.ts';
import type { ControllerDeps, ControllerRoute, RouteContext, RouteTable } from './controller-types.ts';
import { parseTarget, runSafely } from './dispatch.ts';
import { graphRoutes } from './graph-route.ts';
import { greylistRoutes } from './greylist-route.ts';
import { historyRoutes } from './history-route.ts';
import { handleLearn } from './learn-route.ts';
import { loginRoutes } from './login-route.ts';
import { mapsRoutes } from './maps-route.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';
import { authorizeRequest } from './request-auth.ts';
import type { HeaderBag } from './request-headers.ts';
import { HttpError, send, sendJson, sendText } from './respond.ts';
import { PONG, type RequestHandler } from './scan-handler.ts';
import { handleScan } from './scan-route.ts';
import { scanExplainRoutes } from './scan-explain-route.ts';
import { statusRoutes } from './status-route.ts';
import { SessionCodec, sessionFingerprint } from './ui-session.ts';

export type { ControllerDeps, ControllerRoute, RouteContext } from './controller-types.ts';

/** Rows `/history` returns when the client names no range, and the most it returns at all. */
export const DEFAULT_HISTORY_ROWS = 100;
export const MAX_HISTORY_ROWS = 1_000;

/** The controller's routing table; the daemon may add routes (learning, fuzzy) with `createControllerHandler(deps, extra)`. */
export function controllerRoutes(deps: ControllerDeps): Map<string, ControllerRoute> {
  const counters = async () => {
    await deps.recorder?.flush();
    return deps.store.counters.getAll();
  };
  const failSymbols = new Set(deps.scanner.engine.checks.map((c) => c.failSymbol));
  const symbolRows = (uptimeSec: number) =>
    symbolStats(deps.scanner.engine.symbols.all(), deps.scanner.scheduler.stats(), uptimeSec, failSymbols);
  const groupOf = (symbol: string) => deps.scanner.engine.symbols.get(symbol)?.group ?? 'ungrouped';
  const scan = (shape: 'checkv2' | 'legacy'): ControllerRoute => ({
    privileged: false,
    handle: ({ req, res, bag }) => handleScan(req, res, bag, shape, deps),
  });
  const learn = (cls: 'spam' | 'ham'): ControllerRoute => ({
    privileged: true,
    handle: ({ req, res, bag }) =>
      handleLearn(req, res, bag, cls, {
        bayes: deps.bayes,
        log: deps.log,
        maxMessageBytes: deps.maxMessageBytes,
        limits: deps.scanner.engine.config.limits,
        count: (d) => deps.recorder?.count?.(d),
      }),
  });
  const stat = async (c: RouteContext) => statJson(await counters(), c.uptimeSec, version, await bayesStatfiles(deps.bayes, deps.log));

  return new Map<string, ControllerRoute>([
    ['ping', { privileged: false, public: true, handle: async ({ res }) => sendText(res, 200, PONG) }],
    ['healthy', { privileged: false, public: true, handle: async ({ res }) => sendJson(res, 200, { success: true }) }],
    ['auth', { privileged: false, handle: async (c) => sendJson(c.res, 200, authJson(await counters(), c.uptimeSec, version, c.readOnly)) }],
    ['stat', { privileged: false, handle: async (c) => sendJson(c.res, 200, await stat(c)) }],
    [
      'statreset',
      {
        privileged: true,
        handle: async (c) => {
          // Like rspamd, the reply carries the values that were just cleared.
          const before = await stat(c);
          await deps.store.counters.reset();
          sendJson(c.res, 200, before);
        },
      },
    ],
    [
      'metrics',
      {
        privileged: false,
        handle: async (c) => {
          const text = renderMetrics({
            counters: await counters(),
            checkStats: deps.scanner.scheduler.stats(),
            uptimeSec: c.uptimeSec,
            rssBytes: process.memoryUsage.rss(),
            version,
          });
          send(c.res, 200, text, METRICS_CONTENT_TYPE);
        },
      },
    ],
    ['actions', { privileged: false, handle: async ({ res }) => sendJson(res, 200, actionsJson(deps.scanner.engine.config.actions)) }],
    ['symbols', { privileged: false, handle: async (c) => sendJson(c.res, 200, symbolsJson(symbolRows(c.uptimeSec), groupOf)) }],
    ['counters', { privileged: false, handle: async (c) => sendJson(c.res, 200, countersJson(symbolRows(c.uptimeSec))) }],
    [
      'history',
      {
        privileged: false,
        handle: async (c) => {
          const { offset, limit } = historyRange(c.bag);
          // The recorder writes history rows in batches: this worker's just-finished scans go out first.
          await deps.recorder?.flush();
          sendJson(c.res, 200, historyJson(await deps.store.history.recent(limit, offset)));
        },
      },
    ],
    [
      'historyreset',
      {
        privileged: true,
        handle: async ({ res }) => {
          // Rows still buffered would otherwise reappear after the reset.
          await deps.recorder?.flush();
          await deps.store.history.clear();
          sendJson(res, 200, { success: true });
        },
      },
    ],
    ['neighbours', { privileged: false, handle: async ({ res }) => sendJson(res, 200, {}) }],
    ['checkv2', scan('checkv2')],
    ['check', scan('legacy')],
    ['scan', scan('legacy')],
    ['learnspam', learn('spam')],
    ['learnham', learn('ham')],
  ]);
}

/** rspamd's `from`/`to` (inclusive row numbers, newest first) as offset and limit, bounded. */
export function historyRange(bag: HeaderBag): { offset: number; limit: number } {
  const int = (name: string): number | undefined => {
    const v = bag(name)[0];
    if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
    return Number(v.trim());
  };
  const from = int('from') ?? 0;
  const to = int('to') ?? from + DEFAULT_HISTORY_ROWS - 1;
  if (to < from) return { offset: from, limit: 0 };
  return { offset: from, limit: Math.min(to - from + 1, MAX_HISTORY_ROWS) };
}

/** Route key and parameters of a path: `/stat` → `stat`; `/api/maps/3` → `api/maps` + `['3']`; `/` → `` (the UI). */
export function routeOf(pathname: string): { key: string; params: string[] } {
  let segments: string[];
  try {
    segments = pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path', { code: 'ERR_BAD_REQUEST' });
  }
  if (segments.length === 0) return { key: '', params: [] };
  const first = segments[0].toLowerCase();
  if (first === 'api') return { key: `api/${(segments[1] ?? '').toLowerCase()}`, params: segments.slice(2) };
  return { key: first, params: segments.slice(1) };
}

/** Every route: rspamd's commands, the UI's static files and winnow's own `/api/`. */
export function allRoutes(deps: ControllerDeps, auth: Authenticator, sessions: SessionCodec, now: () => number): RouteTable {
  const site = deps.site;
  const staticRoute: ControllerRoute = {
    privileged: false,
    public: true,
    handle: async ({ req, res, url }) => {
      if (!site) throw new HttpError(404, 'not found');
      await site.serve(req, res, url.pathname);
    },
  };
  return new Map<string, ControllerRoute>([
    ...controllerRoutes(deps),
    ['', staticRoute],
    ['index.html', staticRoute],
    ['assets', staticRoute],
    ...loginRoutes({ auth, sessions, log: deps.log, now }),
    ...statusRoutes(deps, now),
    ...graphRoutes(deps, now),
    ...historyRoutes(deps),
    ...scanExplainRoutes(deps),
    ...configEditRoutes(deps),
    ...mapsRoutes(deps),
    ...greylistRoutes(deps, now),
  ]);
}

export function createControllerHandler(deps: ControllerDeps, extraRoutes: Map<string, ControllerRoute> = new Map()): RequestHandler {
  const now = deps.now ?? Date.now;
  const startedAt = deps.startedAt ?? now();
  const auth = new Authenticator(deps.auth, deps.throttle);
  const sessions = new SessionCodec(deps.sessionKey ?? randomBytes(32), sessionFingerprint(deps.auth), now);
  const routes = new Map([...allRoutes(deps, auth, sessions, now), ...extraRoutes]);

  return (req, res) => {
    let api = false;
    void runSafely(
      req,
      res,
      deps.log,
      async () => {
        const { url, bag } = parseTarget(req);
        const { key, params } = routeOf(url.pathname);
        api = key.startsWith('api/');
        const route = routes.get(key);
        if (!route) throw new HttpError(404, 'not found', { code: 'ERR_NOT_FOUND' });
        api = route.api ?? api;
        const privileged = typeof route.privileged === 'function' ? route.privileged(req.method ?? 'GET') : route.privileged;
        let access: RouteContext['access'] = { readOnly: false, via: 'public' };
        if (!route.public) {
          try {
            access = await authorizeRequest(req, bag, { privileged, api }, auth, sessions);
          } catch (err) {
            if (err instanceof HttpError && err.status !== 429) {
              deps.log.warn({ peer: req.socket.remoteAddress, route: key, code: err.code, reason: err.message }, 'controller request refused');
            }
            throw err;
          }
        }
        await route.handle({ req, res, url, bag, params, readOnly: access.readOnly, access, uptimeSec: (now() - startedAt) / 1000 });
      },
      () => (api ? 'api' : 'rspamd'),
    );
  };
}
