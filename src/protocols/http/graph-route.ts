// Throughput over time from the SeriesStore: GET /api/series (winnow's shape) and GET /graph (rspamd's six {x, y} series).

import { ACTIONS } from '../../core/types.ts';
import type { SeriesResolution, SeriesStore } from '../../storage/series-interfaces.ts';
import { SERIES_STEP_S } from '../../storage/series-rules.ts';
import type { ControllerDeps, ControllerRoute } from './controller-types.ts';
import { requireMethod } from './json-body.ts';
import { HttpError, sendJson } from './respond.ts';

export type SeriesRange = 'hour' | 'day' | 'week' | 'month' | 'year';

/** Per range: the span shown, the stored resolution read and the step of the points returned (seconds). */
export const SERIES_RANGES: Readonly<Record<SeriesRange, { spanS: number; resolution: SeriesResolution; stepS: number }>> = {
  hour: { spanS: 3_600, resolution: 'minute', stepS: 60 },
  day: { spanS: 86_400, resolution: 'minute', stepS: 300 },
  week: { spanS: 7 * 86_400, resolution: 'hour', stepS: 3_600 },
  month: { spanS: 30 * 86_400, resolution: 'hour', stepS: 3 * 3_600 },
  year: { spanS: 365 * 86_400, resolution: 'day', stepS: 86_400 },
};

/** rspamd's `/graph?type=`: day|week|month|year (rspamd ≥ 1.x), hourly|daily|weekly|monthly (older clients), mapped onto our ranges. */
const GRAPH_TYPES: Record<string, SeriesRange> = {
  hour: 'hour',
  hourly: 'hour',
  day: 'day',
  daily: 'day',
  week: 'week',
  weekly: 'week',
  month: 'month',
  monthly: 'month',
  year: 'year',
  yearly: 'year',
};

/** rspamd's graph has one series per action in this order (its RRD data sources). */
export const GRAPH_ACTIONS = ['reject', 'soft reject', 'rewrite subject', 'add header', 'greylist', 'no action'] as const;

export interface SeriesPoint {
  /** Start of the step, seconds since the epoch. */
  t: number;
  actions: Record<string, number>;
}

export interface SeriesReply {
  range: SeriesRange;
  step: number;
  points: SeriesPoint[];
}

/** Every step of the range, oldest first, ending with the step that holds `nowMs`; counts summed, zero where nothing was stored. */
export async function seriesFor(store: SeriesStore, range: SeriesRange, nowMs: number): Promise<SeriesReply> {
  const { spanS, resolution, stepS } = SERIES_RANGES[range];
  const end = (Math.floor(nowMs / 1000 / stepS) + 1) * stepS;
  const start = end - spanS;
  const buckets = await store.range(resolution, start - (start % SERIES_STEP_S[resolution]), end);
  const points: SeriesPoint[] = [];
  for (let t = start; t < end; t += stepS) points.push({ t, actions: Object.fromEntries(ACTIONS.map((a) => [a, 0])) });
  for (const b of buckets) {
    const i = Math.floor((b.t - start) / stepS);
    if (i < 0 || i >= points.length) continue;
    for (const [name, n] of Object.entries(b.counts)) points[i].actions[name] = (points[i].actions[name] ?? 0) + n;
  }
  return { range, step: stepS, points };
}

/** rspamd's shape: an array of six arrays (GRAPH_ACTIONS order) of `{x: unix seconds, y: messages per second}`. */
export function graphJson(s: SeriesReply): { x: number; y: number }[][] {
  return GRAPH_ACTIONS.map((a) => s.points.map((p) => ({ x: p.t, y: (p.actions[a] ?? 0) / s.step })));
}

export function graphRoutes(deps: ControllerDeps, now: () => number): [string, ControllerRoute][] {
  const store = () => {
    if (!deps.store.series) throw new HttpError(404, 'No time series store configured for graphs', { code: 'ERR_NOT_AVAILABLE' });
    return deps.store.series;
  };
  const rangeParam = (url: URL, name: string, table: Record<string, SeriesRange>): SeriesRange => {
    const raw = url.searchParams.get(name);
    if (raw === null) throw new HttpError(400, `Absent graph type: give ?${name}=${Object.keys(table).join('|')}`, { code: 'ERR_BAD_REQUEST', field: name });
    const r = Object.hasOwn(table, raw.toLowerCase()) ? table[raw.toLowerCase()] : undefined;
    if (!r) throw new HttpError(400, `Invalid graph type ${JSON.stringify(raw.slice(0, 20))}: expected ${Object.keys(table).join(', ')}`, { code: 'ERR_BAD_REQUEST', field: name });
    return r;
  };
  const ranges = Object.fromEntries(Object.keys(SERIES_RANGES).map((k) => [k, k as SeriesRange]));
  return [
    [
      'api/series',
      {
        privileged: false,
        api: true,
        async handle(c) {
          requireMethod(c.req, 'GET', 'HEAD');
          await deps.recorder?.flush();
          sendJson(c.res, 200, await seriesFor(store(), rangeParam(c.url, 'range', ranges), now()));
        },
      },
    ],
    [
      'graph',
      {
        privileged: false,
        async handle(c) {
          requireMethod(c.req, 'GET', 'HEAD');
          await deps.recorder?.flush();
          sendJson(c.res, 200, graphJson(await seriesFor(store(), rangeParam(c.url, 'type', GRAPH_TYPES), now())));
        },
      },
    ],
  ];
}
