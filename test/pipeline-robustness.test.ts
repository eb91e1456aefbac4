// Every corpus message and every deliberately broken one goes through the full pipeline (all built-in checks) without an exception or a check failure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinChecks } from '../src/checks/index.ts';
import { Scanner } from '../src/core/scanner.ts';
import { createMemoryStore } from '../src/storage/memory/memory-store.ts';
import { testContext, testEngine } from '../src/core/testing.ts';
import type { ScanResult } from '../src/core/types.ts';
import { brokenMessages } from './fixtures/broken-messages.ts';
import { corpusDir, ensureCorpus, loadCorpus } from '../bench/lib/corpus.ts';

/** A scan this slow on one message is a blow-up, not noise (the corpus averages ~2 ms). */
const MAX_SCAN_MS = 5_000;

function failures(r: ScanResult): string[] {
  return Object.values(r.symbols)
    .filter((s) => s.name.endsWith('_CHECK_FAIL'))
    .map((s) => `${s.name}: ${s.options.join(', ')}`);
}

test('broken messages get a best-effort scan with damage symbols', async () => {
  const ctx = testContext({ store: createMemoryStore() });
  const engine = await testEngine(builtinChecks, { ctx });
  const scanner = new Scanner(engine, ctx);
  try {
    for (const m of brokenMessages()) {
      const started = performance.now();
      const r = await scanner.scan({ message: m.raw, rcptTo: ['x@example.org'], clientIp: '192.0.2.1' });
      const ms = performance.now() - started;
      assert.ok(ms < MAX_SCAN_MS, `${m.name}: took ${ms.toFixed(0)} ms`);
      assert.deepEqual(failures(r), [], m.name);
      assert.ok(Number.isFinite(r.score), `${m.name}: score ${r.score}`);
      if (m.raw.length > 0 && m.name !== 'one newline') {
        assert.ok(Object.keys(r.symbols).some((s) => s.startsWith('MIME_') || s.startsWith('MISSING_') || s.startsWith('INVALID_')), `${m.name}: no symbol describes the damage: ${Object.keys(r.symbols).join(' ')}`);
      }
    }
  } finally {
    await engine.close();
  }
});

test('every corpus message scans without an exception or a failed check', async () => {
  const dir = corpusDir();
  const n = ensureCorpus(dir);
  assert.ok(n > 0, `no corpus messages in ${dir}: lay it out with ../shared/corpus/get-corpus.sh ${dir}`);
  const ctx = testContext({ store: createMemoryStore() });
  const engine = await testEngine(builtinChecks, { ctx });
  const scanner = new Scanner(engine, ctx);
  const actions: Record<string, Record<string, number>> = { spam: {}, ham: {} };
  try {
    for (const m of loadCorpus(dir)) {
      const r = await scanner.scan({ message: m.bytes, rcptTo: [] });
      assert.deepEqual(failures(r), [], m.name);
      assert.equal(r.symbols.MIME_PARSE_FAILED, undefined, `${m.name}: the parser gave up`);
      actions[m.label][r.action] = (actions[m.label][r.action] ?? 0) + 1;
    }
  } finally {
    await engine.close();
  }
  // With no network and no training, the content checks alone must still never reject ham.
  assert.equal(actions.ham.reject ?? 0, 0, `ham rejected: ${JSON.stringify(actions.ham)}`);
});
