// Tests of the Prometheus text rendering.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabel, renderMetrics } from './metrics.ts';

const text = renderMetrics({
  counters: { scanned: 5, 'action:reject': 2, 'action:no action': 3 },
  checkStats: new Map([
    ['zeta', { runs: 5, hits: 1, totalMs: 2500, failures: 0 }],
    ['alpha', { runs: 4, hits: 4, totalMs: 10, failures: 1 }],
  ]),
  uptimeSec: 12.5,
  rssBytes: 1234,
  version: '1.2.3',
});
const lines = text.split('\n');

test('counters, actions and per-check series are exposed', () => {
  for (const l of [
    'winnow_scanned_total 5',
    'winnow_actions_total{action="reject"} 2',
    'winnow_actions_total{action="no action"} 3',
    'winnow_actions_total{action="greylist"} 0',
    'winnow_check_runs_total{check="alpha"} 4',
    'winnow_check_hits_total{check="zeta"} 1',
    'winnow_check_failures_total{check="alpha"} 1',
    'winnow_check_seconds_total{check="zeta"} 2.5',
    'process_resident_memory_bytes 1234',
    'winnow_uptime_seconds 12.5',
    'winnow_build_info{version="1.2.3"} 1',
  ]) {
    assert.ok(lines.includes(l), `missing line: ${l}`);
  }
  assert.ok(lines.indexOf('winnow_check_runs_total{check="alpha"} 4') < lines.indexOf('winnow_check_runs_total{check="zeta"} 5'), 'checks sorted');
  assert.equal(text.includes('winnow_learned_total'), false, 'no learned series without a learned counter');
});

test('every sample line belongs to a family declared with HELP and TYPE before it', () => {
  const declared = new Set<string>();
  for (const l of lines) {
    if (l === '') continue;
    const m = /^# TYPE (\S+) (counter|gauge)$/.exec(l);
    if (m) declared.add(m[1]);
    else if (!l.startsWith('# HELP ')) assert.ok(declared.has(l.split(/[{ ]/)[0]), l);
  }
  assert.ok(text.endsWith('\n'));
});

test('label values are escaped', () => {
  assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
});
