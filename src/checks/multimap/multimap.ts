// The multimap check: each configured list file (IPs, domains, addresses, regexes) is a symbol; files reload on change.

import { resolve } from 'node:path';
import { defineCheck, type SymbolDecl } from '../../core/check.ts';
import type { Logger } from '../../core/context.ts';
import { parseMap, type MapKind, type MapMatcher } from '../../maps/matchers.ts';
import { WatchedFile } from '../../maps/watched-file.ts';
import { multimapConfigSchema, type MapConfig, type MapTarget, type MultimapConfig } from './config.ts';
import { targetValues } from './targets.ts';

/** A symbol lists at most this many matched entries as options; the rest add nothing a reader needs. */
export const MAX_MATCH_OPTIONS = 10;

interface LoadedMap {
  conf: MapConfig;
  target: MapTarget;
  file: WatchedFile<MapMatcher>;
}

interface MultimapState {
  maps: LoadedMap[];
  files: WatchedFile<MapMatcher>[];
}

function kindOf(type: MapConfig['type']): MapKind {
  if (type === 'cidr') return 'ip';
  if (type === 'header-regex') return 'regex';
  return type;
}

export const multimapCheck = defineCheck<string, MultimapConfig, MultimapState>({
  name: 'multimap',
  description: 'Matches envelope and header values against list files (IPs/CIDRs, domains, addresses, regexes)',
  phase: 'filter',
  configSchema: multimapConfigSchema,
  symbols: (config) => {
    const out: Record<string, SymbolDecl> = {};
    for (const m of config.maps) {
      out[m.symbol] = {
        weight: m.weight,
        description: m.description ?? `${m.type} map ${m.source} matched ${m.target ?? 'client_ip'}`,
        group: m.group ?? 'multimap',
      };
    }
    return out;
  },
  async setup({ config, configDir, log }) {
    const files = new Map<string, WatchedFile<MapMatcher>>();
    const maps: LoadedMap[] = [];
    try {
      for (const conf of config.maps) {
        const path = resolve(configDir, conf.source);
        const kind = kindOf(conf.type);
        const key = `${kind}\0${path}`;
        let file = files.get(key);
        if (!file) {
          file = await openMap(path, kind, conf, config, log);
          files.set(key, file);
        }
        maps.push({ conf, target: (conf.target ?? 'client_ip') as MapTarget, file });
      }
    } catch (err) {
      for (const f of files.values()) f.close();
      throw err;
    }
    return { maps, files: [...files.values()] };
  },
  run(task, state) {
    for (const m of state.maps) {
      const values = targetValues(m.target, task.request, task.message);
      if (values.length === 0) continue;
      const matcher = m.file.current;
      const matched = new Set<string>();
      for (const v of values) {
        for (const e of matcher.match(v)) {
          if (matched.size < MAX_MATCH_OPTIONS) matched.add(e.key);
        }
      }
      if (matched.size === 0) continue;
      task.hit(m.conf.symbol, [...matched]);
      if (m.conf.action) task.force(m.conf.action, m.conf.message);
    }
  },
  close(state) {
    for (const f of state.files) f.close();
  },
});

async function openMap(path: string, kind: MapKind, conf: MapConfig, config: MultimapConfig, log: Logger): Promise<WatchedFile<MapMatcher>> {
  try {
    return await WatchedFile.open(path, (text) => parseMap(kind, text), {
      log,
      optional: conf.optional,
      pollMs: config.poll_interval_ms,
      debounceMs: config.debounce_ms,
    });
  } catch (err) {
    throw new Error(`multimap ${conf.symbol}: ${(err as Error).message}`, { cause: err });
  }
}
