// GET /api/history (paged, filtered, searched over the whole ring) and GET /api/history/<id> (one row with its explanation).

import { ACTIONS, type Action } from '../../core/types.ts';
import type { ControllerDeps, ControllerRoute } from './controller-types.ts';
import { explain } from './explain.ts';
import { HistoryIndex, historyItem } from './history-index.ts';
import { intParam, requireMethod } from './json-body.ts';
import { HttpError, sendJson } from './respond.ts';

export const DEFAULT_HISTORY_PAGE = 50;
export const MAX_HISTORY_PAGE = 500;
/** Longest search text considered. */
const MAX_QUERY_CHARS = 200;

export function historyRoutes(deps: ControllerDeps): [string, ControllerRoute][] {
  const index = new HistoryIndex(deps.store.history, deps.now);
  const route: ControllerRoute = {
    privileged: false,
    api: true,
    async handle(c) {
      requireMethod(c.req, 'GET', 'HEAD');
      // Rows still buffered in this worker's recorder would be missing otherwise.
      await deps.recorder?.flush();
      if (c.params.length === 0) {
        const action = c.url.searchParams.get('action') ?? undefined;
        if (action && !(ACTIONS as readonly string[]).includes(action)) {
          throw new HttpError(400, `unknown action ${JSON.stringify(action.slice(0, 30))}; expected one of ${ACTIONS.join(', ')}`, { code: 'ERR_BAD_REQUEST', field: 'action' });
        }
        const q = c.url.searchParams.get('q') ?? undefined;
        if (q && q.length > MAX_QUERY_CHARS) throw new HttpError(400, `search text longer than ${MAX_QUERY_CHARS} characters`, { code: 'ERR_BAD_REQUEST', field: 'q' });
        const page = await index.query({
          offset: intParam(c.url, 'offset', Number.MAX_SAFE_INTEGER) ?? 0,
          limit: intParam(c.url, 'limit', MAX_HISTORY_PAGE) ?? DEFAULT_HISTORY_PAGE,
          q,
          action,
        });
        sendJson(c.res, 200, page);
        return;
      }
      if (c.params.length > 1) throw new HttpError(404, 'not found', { code: 'ERR_NOT_FOUND' });
      const entry = await index.entry(c.params[0]);
      if (!entry) throw new HttpError(404, `no history entry ${JSON.stringify(c.params[0].slice(0, 60))} (it may have rotated out)`, { code: 'ERR_NOT_FOUND' });
      const engine = deps.scanner.engine;
      const thresholds = engine.config.actions;
      const explanation = explain(
        {
          score: entry.score,
          action: entry.action as Action,
          thresholds,
          symbols: Object.entries(entry.symbols).map(([name, s]) => ({ name, score: s.score, options: s.options })),
        },
        (name) => engine.symbols.get(name),
      );
      sendJson(c.res, 200, {
        entry: { ...historyItem(entry), senderMime: entry.senderMime ?? null, rcptMime: entry.rcptMime, isSkipped: entry.isSkipped },
        // History rows keep scores, not the thresholds of their day: "what if" uses today's.
        thresholds,
        ...explanation,
      });
    },
  };
  return [['api/history', route]];
}
