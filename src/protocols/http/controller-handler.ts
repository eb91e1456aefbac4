// The rspamd-compatible controller port (default 127.0.0.1:11334): stats, metrics, symbols, history and scans behind rspamd's auth rules.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scanner } from '../../core/scanner.ts';
import type { BayesService } from '../../classifier/service-types.ts';
import type { CounterStore, HistoryStore } from '../../storage/interfaces.ts';
import { version } from '../../version.ts';
import { Authenticator, type ControllerAuthConfig } from './auth.ts';
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
import { parseTarget, runSafely } from './dispatch.ts';
import { handleLearn } from './learn-route.ts';
import type { FailureThrottle } from './failure-throttle.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';
import type { HeaderBag } from './request-headers.ts';
import { HttpError, send, sendJson, sendText } from './respond.ts';
import { PONG, type RequestHandler } from './scan-handler.ts';
import { handleScan, type ScanDeps } from './scan-route.ts';

/** Rows `/history` returns when the client names no range, and the most it returns at all. */
export const DEFAULT_HISTORY_ROWS = 100;
export const MAX_HISTORY_ROWS = 1_000;

export interface ControllerDeps extends ScanDeps {
  scanner: Pick<Scanner, 'scan' | 'engine' | 'scheduler'>;
  store: { counters: CounterStore; history: HistoryStore };
  auth: ControllerAuthConfig;
  /** The scan recorder batches counters in memory; flushing it first makes /stat show scans that just finished. */
  recorder?: { flush(): Promise<void>; count?(deltas: Record<string, number>): void };
  /** The classifier behind /learnspam, /learnham and /stat's statfiles; undefined when the bayes check is disabled. */
  bayes?: BayesService;
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** When the daemon started (ms since epoch), for `uptime`; defaults to when the handler was created. */
  startedAt?: number;
  /** Injected for tests of the login throttle. */
  throttle?: FailureThrottle;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  bag: HeaderBag;
  /** True when the client authenticated with the read-only password. */
  readOnly: boolean;
  uptimeSec: number;
}

export interface ControllerRoute {
  /** State-changing: needs enable_password (or password when no enable_password is set). */
  privileged: boolean;
  /** Answered without any authentication (liveness probes). */
  public?: boolean;
  handle(ctx: RouteContext): Promise<void>;
}

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
          sendJson(c.res, 200, historyJson(await deps.store.history.recent(limit, offset)));
        },
      },
    ],
    [
      'historyreset',
      {
        privileged: true,
        handle: async ({ res }) => {
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

export function createControllerHandler(deps: ControllerDeps, extraRoutes: Map<string, ControllerRoute> = new Map()): RequestHandler {
  const now = deps.now ?? Date.now;
  const startedAt = deps.startedAt ?? now();
  const auth = new Authenticator(deps.auth, deps.throttle);
  const routes = new Map([...controllerRoutes(deps), ...extraRoutes]);

  return (req, res) => {
    void runSafely(req, res, deps.log, async () => {
      const { command, url, bag } = parseTarget(req);
      const route = routes.get(command);
      if (!route) throw new HttpError(404, 'not found');
      let readOnly = false;
      if (!route.public) {
        const outcome = await auth.authorize(req.socket.remoteAddress, bag('Password')[0], route.privileged);
        if (!outcome.ok) {
          if (outcome.status === 429) {
            throw new HttpError(429, 'Too many failed logins', { headers: { 'Retry-After': String(Math.ceil(outcome.retryAfterMs / 1000)) } });
          }
          deps.log.warn({ peer: req.socket.remoteAddress, command, reason: outcome.reason }, 'controller login refused');
          throw new HttpError(401, 'Unauthorized');
        }
        readOnly = outcome.readOnly;
      }
      await route.handle({ req, res, url, bag, readOnly, uptimeSec: (now() - startedAt) / 1000 });
    });
  };
}
