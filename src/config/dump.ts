// Flattens the resolved config into `key = value  # source` lines for `winnow config dump`.

import type { LoadedConfig } from './load.ts';

export interface DumpRow {
  key: string;
  value: string;
  source: string;
}

/** Arrays of scalars print as one value; objects recurse; every leaf names where it came from. */
export function dumpConfig(c: LoadedConfig): DumpRow[] {
  const rows: DumpRow[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    const isScalarArray = Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
    if (value !== null && typeof value === 'object' && !isScalarArray && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      return;
    }
    rows.push({ key: path.join('.'), value: JSON.stringify(value) ?? 'undefined', source: c.sourceOf(path) });
  };
  const { checks: _rawChecks, data_dir: _dataDir, ...core } = c.file;
  walk(core, []);
  rows.push({ key: 'data_dir', value: JSON.stringify(c.dataDir), source: c.file.data_dir ? c.sourceOf(['data_dir']) : 'default' });
  for (const [name, cfg] of Object.entries(c.checks)) {
    rows.push({ key: `checks.${name}.enabled`, value: 'true', source: c.sourceOf(['checks', name, 'enabled']) });
    walk(cfg, ['checks', name]);
  }
  for (const name of c.disabledChecks) rows.push({ key: `checks.${name}.enabled`, value: 'false', source: c.sourceOf(['checks', name, 'enabled']) });
  return rows.filter((r, i, all) => all.findIndex((x) => x.key === r.key) === i);
}

export function formatDump(rows: DumpRow[]): string {
  const width = Math.min(60, Math.max(...rows.map((r) => r.key.length + r.value.length + 3)));
  return rows.map((r) => `${`${r.key} = ${r.value}`.padEnd(width)}  # ${r.source}`).join('\n');
}
