// Renders winnow's counters and per-check statistics in the Prometheus text exposition format (version 0.0.4).

import { actionCounter } from '../../core/scan-recorder.ts';
import type { CheckStat } from '../../core/scheduler.ts';
import { ACTIONS } from '../../core/types.ts';
import type { Counters } from './controller-json.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsInput {
  counters: Counters;
  checkStats: ReadonlyMap<string, CheckStat>;
  uptimeSec: number;
  rssBytes: number;
  version: string;
}

/** Label values escape backslash, double quote and newline (exposition format spec). */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

class Exposition {
  readonly lines: string[] = [];
  family(name: string, type: 'counter' | 'gauge', help: string, samples: [labels: Record<string, string>, value: number][]): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      this.lines.push(`${name}${l ? `{${l}}` : ''} ${num(value)}`);
    }
  }
}

export function renderMetrics(m: MetricsInput): string {
  const e = new Exposition();
  const c = (name: string) => m.counters[name] ?? 0;
  e.family('winnow_build_info', 'gauge', 'Version of the running winnow.', [[{ version: m.version }, 1]]);
  e.family('winnow_scanned_total', 'counter', 'Messages and envelopes scanned.', [[{}, c('scanned')]]);
  e.family(
    'winnow_actions_total',
    'counter',
    'Scans by resulting action.',
    ACTIONS.map((a) => [{ action: a }, c(actionCounter(a))]),
  );
  if ('learned' in m.counters) e.family('winnow_learned_total', 'counter', 'Messages learned by the classifier.', [[{}, c('learned')]]);
  const checks = [...m.checkStats.entries()].sort(([a], [b]) => a.localeCompare(b));
  e.family('winnow_check_runs_total', 'counter', 'Runs per check in this process.', checks.map(([name, s]) => [{ check: name }, s.runs]));
  e.family('winnow_check_hits_total', 'counter', 'Runs per check that added at least one symbol.', checks.map(([name, s]) => [{ check: name }, s.hits]));
  e.family('winnow_check_failures_total', 'counter', 'Runs per check that threw or timed out.', checks.map(([name, s]) => [{ check: name }, s.failures]));
  e.family('winnow_check_seconds_total', 'counter', 'Wall time spent per check.', checks.map(([name, s]) => [{ check: name }, s.totalMs / 1000]));
  e.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [[{}, m.rssBytes]]);
  e.family('winnow_uptime_seconds', 'gauge', 'Seconds since the controller started.', [[{}, m.uptimeSec]]);
  return e.lines.join('\n') + '\n';
}
