// Keeps the README honest: its example configuration validates and builds a working engine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinChecks } from '../src/checks/index.ts';
import { toEngineConfig } from '../src/config/engine-config.ts';
import { loadConfigText } from '../src/config/load.ts';
import { Engine } from '../src/core/engine.ts';
import { Scanner } from '../src/core/scanner.ts';
import { createMemoryStore } from '../src/storage/memory/memory-store.ts';
import { testContext } from '../src/core/testing.ts';
import { REPO_ROOT } from './support/daemon.ts';

test("the README's example config validates and its engine scans", async () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(yaml, 'README has a yaml block under ## Configuration');
  const dir = mkdtempSync(join(tmpdir(), 'winnow-readme-'));
  writeFileSync(join(dir, 'blocked-ips.map'), '192.0.2.0/24\n');
  mkdirSync(join(dir, 'local-rules'));
  const text = yaml.replace(/^data_dir: .*$/m, `data_dir: ${JSON.stringify(join(dir, 'data'))}`);
  const config = loadConfigText(text, builtinChecks, join(dir, 'winnow.yaml'));
  const ctx = testContext({ store: createMemoryStore() });
  const engine = await Engine.create(builtinChecks, toEngineConfig(config), ctx);
  try {
    assert.deepEqual(engine.unknownOverrides, []);
    assert.equal(engine.symbols.get('MISSING_DATE')?.weight, 2.5);
    const r = await new Scanner(engine, ctx).scan({ clientIp: '192.0.2.7', rcptTo: [], message: new TextEncoder().encode('Subject: x\n\nhello\n') });
    assert.ok(r.symbols.BLOCKED_IPS, 'the example multimap matches');
    assert.equal(r.symbols.MISSING_DATE?.score, 2.5);
  } finally {
    await engine.close();
  }
});
