// Wires the controller listener to one worker's runtime: store, engine, classifier, session key, UI files, config editing, reloads, list files.

import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from './app.ts';
import { activeWorkerLink } from './worker-link.ts';
import { builtinChecks } from '../checks/index.ts';
import { bayesServiceOf } from '../checks/bayes/index.ts';
import { toMs, type GreylistConfig } from '../checks/greylist/config.ts';
import { parseAddressList, parseClientList } from '../checks/greylist/whitelists.ts';
import type { MultimapConfig } from '../checks/multimap/config.ts';
import { createConfigEditor } from '../config/config-edit.ts';
import { parseMap, type MapKind } from '../maps/matchers.ts';
import { WatchedFile } from '../maps/watched-file.ts';
import type { ControllerDeps, EditableMap } from '../protocols/http/controller-types.ts';
import { loadSessionKey } from '../protocols/http/ui-session.ts';
import { createStaticSite } from '../web/serve-static.ts';

/** Lists shipped with winnow (e.g. the SPF-pool list) are shown but not edited: an upgrade would overwrite the edit. */
const SHIPPED_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));
/** How deep into a check's state the search for watched list files goes (state → lists → arrays of files). */
const MAX_STATE_DEPTH = 3;

/** The list files of the enabled checks, in a stable order: multimap maps, then the greylist whitelists. */
export function listFiles(app: Pick<App, 'config'>): EditableMap[] {
  const out: EditableMap[] = [];
  const dir = app.config.dir;
  const add = (m: Omit<EditableMap, 'id' | 'editable'>) => {
    if (out.some((x) => x.path === m.path && x.type === m.type)) return;
    out.push({ ...m, id: out.length, editable: !m.path.startsWith(SHIPPED_RULES_DIR) });
  };
  const multimap = app.config.checks.multimap as MultimapConfig | undefined;
  for (const m of multimap?.maps ?? []) {
    const kind: MapKind = m.type === 'cidr' ? 'ip' : m.type === 'header-regex' ? 'regex' : m.type;
    add({ path: resolve(dir, m.source), type: kind, symbol: m.symbol, description: m.description ?? `${m.type} list for ${m.symbol}`, parse: (t) => parseMap(kind, t) });
  }
  const gl = app.config.checks.greylist as GreylistConfig | undefined;
  if (gl) {
    for (const p of gl.whitelist_clients) add({ path: resolve(dir, p), type: 'greylist-clients', description: 'Greylisting: clients never greylisted (IPs, CIDRs, host names, /regex/)', parse: parseClientList });
    for (const p of gl.whitelist_senders) add({ path: resolve(dir, p), type: 'greylist-senders', description: 'Greylisting: senders never greylisted', parse: parseAddressList });
    for (const p of gl.whitelist_recipients) add({ path: resolve(dir, p), type: 'greylist-recipients', description: 'Greylisting: recipients never greylisted', parse: parseAddressList });
    if (gl.spf_pools) for (const p of gl.spf_pool_files) add({ path: resolve(dir, p), type: 'domain', description: 'Greylisting: SPF-pool domains (big senders with rotating addresses)', parse: (t) => parseMap('domain', t) });
  }
  return out;
}

/** Every WatchedFile in the checks' states, so a saved list can be re-read in this worker at once. */
function watchedFiles(app: Pick<App, 'engine'>): WatchedFile<unknown>[] {
  const found = new Set<WatchedFile<unknown>>();
  const visit = (v: unknown, depth: number) => {
    if (v instanceof WatchedFile) return void found.add(v);
    if (depth >= MAX_STATE_DEPTH || v === null || typeof v !== 'object') return;
    for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x, depth + 1);
  };
  for (const c of app.engine.checks) visit(c.state, 0);
  return [...found];
}

function sqliteSize(app: Pick<App, 'config'>): (() => number | undefined) | undefined {
  const s = app.config.file.store;
  if (s.backend !== 'sqlite') return undefined;
  const path = isAbsolute(s.path) ? s.path : resolve(app.config.dataDir, s.path);
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return () => size(path) + size(`${path}-wal`);
}

/** When the primary started (it passes WINNOW_STARTED_AT to its workers); undefined outside `winnow serve`. */
function daemonStartedAt(): number | undefined {
  const v = Number(process.env.WINNOW_STARTED_AT);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

export function controllerDeps(app: App): ControllerDeps {
  const f = app.config.file;
  const link = activeWorkerLink();
  const gl = app.config.checks.greylist as GreylistConfig | undefined;
  return {
    scanner: app.scanner,
    store: app.store,
    log: app.log,
    recorder: app.recorder,
    bayes: bayesServiceOf(app.engine),
    maxMessageBytes: f.http.max_message_size,
    auth: { password: f.controller.password, enablePassword: f.controller.enable_password, secureIp: f.controller.secure_ip },
    sessionKey: loadSessionKey(app.config.dataDir, app.log),
    site: createStaticSite({ log: app.log }),
    generation: link?.generation,
    startedAt: daemonStartedAt(),
    workers: link ? () => link.workers() : undefined,
    storeSizeBytes: sqliteSize(app),
    config: app.config.path ? createConfigEditor(app.config.path, builtinChecks) : undefined,
    reload: link ? () => link.requestReload() : undefined,
    maps: () => listFiles(app),
    reloadMapFile: async (path) => {
      await Promise.all(watchedFiles(app).filter((w) => resolve(w.path) === resolve(path)).map((w) => w.reload()));
    },
    greylist: gl ? { delayMs: toMs(gl.delay_s), maxAgeMs: toMs(gl.max_age_s) } : undefined,
  };
}
