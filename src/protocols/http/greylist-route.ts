// Greylist entries for the UI over the GreylistStore: GET /api/greylist (paged, searched), POST /api/greylist/{release,delete,whitelist} {key}.

import type { GreylistEntry, GreylistStore } from '../../storage/interfaces.ts';
import type { ControllerDeps, ControllerRoute } from './controller-types.ts';
import { intParam, readJsonBody, requireMethod } from './json-body.ts';
import { HttpError, sendJson } from './respond.ts';

export const DEFAULT_GREYLIST_PAGE = 50;
export const MAX_GREYLIST_PAGE = 500;
/** A search reads the whole list a page at a time, up to this many entries. */
export const MAX_GREYLIST_SEARCH = 100_000;
const SEARCH_PAGE = 1_000;
/** Greylist check defaults (postgrey's): used when the daemon passes no timing. */
const DEFAULT_DELAY_MS = 300_000;
const DEFAULT_MAX_AGE_MS = 35 * 86_400_000;
/** Auto-whitelist counters share the store (checks/greylist/key.ts AWL_KEY_PREFIX); they are not triplets. */
const COUNTER_PREFIX = 'awl:';
/** Reason stored on whitelist entries made here (the check refreshes only its own auto-whitelist entries). */
const WHITELIST_REASON = 'manual (controller)';

export interface GreylistItem extends GreylistEntry {
  /** waiting: not yet retried late enough; passed: retries get through. */
  state: 'waiting' | 'passed';
  /** The client network part of the key (`192.0.2.0` of `192.0.2.0/a@example.org/b@example.net`). */
  network: string;
  whitelisted: boolean;
}

/** The client network of a triplet key `net/sender/recipient` (a network never contains '/'). */
export function networkOf(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : key.slice(0, slash);
}

async function page(gl: GreylistStore, now: number, offset: number, limit: number, q: string | undefined, all: boolean): Promise<{ total: number; items: GreylistEntry[] }> {
  if (!q && all) {
    const p = await gl.list({ offset, limit, now });
    return { total: p.total, items: p.items };
  }
  // Filtering needs the whole list; it is read in pages and bounded.
  const matches: GreylistEntry[] = [];
  let total = 0;
  for (let at = 0; at < MAX_GREYLIST_SEARCH; at += SEARCH_PAGE) {
    const p = await gl.list({ offset: at, limit: SEARCH_PAGE, now });
    for (const e of p.items) {
      if (!all && e.key.startsWith(COUNTER_PREFIX)) continue;
      if (q && !e.key.toLowerCase().includes(q)) continue;
      if (total >= offset && matches.length < limit) matches.push(e);
      total++;
    }
    if (p.items.length < SEARCH_PAGE) break;
  }
  return { total, items: matches };
}

export function greylistRoutes(deps: ControllerDeps, now: () => number): [string, ControllerRoute][] {
  const delayMs = deps.greylist?.delayMs ?? DEFAULT_DELAY_MS;
  const maxAgeMs = deps.greylist?.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const store = (): GreylistStore => {
    if (!deps.store.greylist) throw new HttpError(501, 'no greylist store', { code: 'ERR_NOT_AVAILABLE' });
    return deps.store.greylist;
  };
  const keyOf = async (c: Parameters<ControllerRoute['handle']>[0]): Promise<string> => {
    const key = ((await readJsonBody(c.req)) as { key?: unknown } | null)?.key;
    if (typeof key !== 'string' || key === '') throw new HttpError(400, 'expected {"key": "<network>/<sender>/<recipient>"}', { code: 'ERR_INVALID_INPUT', field: 'key' });
    return key;
  };
  const actions: Record<string, (gl: GreylistStore, key: string, t: number) => Promise<Record<string, unknown>>> = {
    // The entry counts as passed from now on: the next retry gets through (GREYLIST_PASS), and it lives as a passed triplet.
    release: async (gl, key, t) => {
      if (!(await gl.get(key, t))) throw new HttpError(404, `no live greylist entry ${key}`, { code: 'ERR_NOT_FOUND', field: 'key' });
      const e = await gl.seen(key, t, maxAgeMs, 0);
      return { entry: { key: e.key, firstSeen: e.firstSeen, lastSeen: e.lastSeen, passCount: e.passCount, expiresAt: e.expiresAt } };
    },
    delete: async (gl, key) => {
      if (!(await gl.delete(key))) throw new HttpError(404, `no greylist entry ${key}`, { code: 'ERR_NOT_FOUND', field: 'key' });
      return {};
    },
    // The check consults the whitelist by client network: every sender from that network skips greylisting.
    whitelist: async (gl, key, t) => {
      const network = networkOf(key);
      if (network === '' || network.startsWith(COUNTER_PREFIX)) throw new HttpError(400, `${key} names no client network`, { code: 'ERR_INVALID_INPUT', field: 'key' });
      await gl.whitelist.add(network, t + maxAgeMs, WHITELIST_REASON);
      return { network, expiresAt: t + maxAgeMs };
    },
  };

  const route: ControllerRoute = {
    privileged: (method) => method !== 'GET' && method !== 'HEAD',
    api: true,
    async handle(c) {
      const gl = store();
      const t = now();
      if (c.params.length === 0) {
        requireMethod(c.req, 'GET', 'HEAD');
        const q = c.url.searchParams.get('q')?.trim().toLowerCase() || undefined;
        const all = c.url.searchParams.get('all') === '1';
        const offset = intParam(c.url, 'offset', Number.MAX_SAFE_INTEGER) ?? 0;
        const limit = intParam(c.url, 'limit', MAX_GREYLIST_PAGE) ?? DEFAULT_GREYLIST_PAGE;
        const p = await page(gl, t, offset, limit, q, all);
        const nets = [...new Set(p.items.map((e) => networkOf(e.key)))];
        const listed = new Set((await Promise.all(nets.map(async (n) => ((await gl.whitelist.get(n, t)) ? n : undefined)))).filter((n) => n !== undefined));
        const items: GreylistItem[] = p.items.map((e) => ({
          ...e,
          state: e.passCount > 0 || e.lastSeen - e.firstSeen >= delayMs ? 'passed' : 'waiting',
          network: networkOf(e.key),
          whitelisted: listed.has(networkOf(e.key)),
        }));
        return sendJson(c.res, 200, { total: p.total, items });
      }
      const act = c.params.length === 1 ? actions[c.params[0].toLowerCase()] : undefined;
      if (!act || !Object.hasOwn(actions, c.params[0].toLowerCase())) throw new HttpError(404, 'not found: use /api/greylist/release, /delete or /whitelist', { code: 'ERR_NOT_FOUND' });
      requireMethod(c.req, 'POST');
      const key = await keyOf(c);
      const out = await act(gl, key, t);
      deps.log.info({ peer: c.req.socket.remoteAddress, action: c.params[0], key }, 'greylist entry changed through the controller');
      sendJson(c.res, 200, { success: true, key, ...out });
    },
  };
  return [['api/greylist', route]];
}
