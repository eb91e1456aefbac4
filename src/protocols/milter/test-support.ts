// Test helpers for the milter listener: a real engine and Scanner with a check that decides by sender local part, and a server on loopback.

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gtubeCheck } from '../../checks/gtube/index.ts';
import { spamHeadersCheck } from '../../checks/spam-headers/index.ts';
import { defineCheck } from '../../core/check.ts';
import { Scanner } from '../../core/scanner.ts';
import { testContext, testEngine, type TestEngineOptions } from '../../core/testing.ts';
import type { ScanRequest } from '../../core/types.ts';
import { listenOn } from '../../net/listen-address.ts';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { milterConfigSchema, type MilterConfig } from './config.ts';
import { milterFailSafe, milterSessionOptions } from './from-config.ts';
import { createMilterServer, drainMilterServer } from './server.ts';
import { MilterClient, type MilterTarget, type Transaction } from './test-client.ts';

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

/**
 * Verdicts by the envelope sender's local part: `grey`, `soft`, `discard`, `quarantine`, `spammy` (score 10:
 * rewrite subject with the harness thresholds), `hang`, `slowN` (N ms), `boom` (the check throws).
 */
export const byLocalPart = defineCheck<'MILTER_TEST_HIT'>({
  name: 'milter-test',
  description: 'test-only verdicts by sender local part',
  phase: 'filter',
  timeoutMs: 2000,
  symbols: { MILTER_TEST_HIT: { weight: 1, description: 'test' } },
  async run(task) {
    const local = (task.request.mailFrom ?? '').split('@')[0];
    const delay = /^slow(\d+)/.exec(local);
    if (delay) await sleep(Number(delay[1]), undefined, { signal: task.signal }).catch(() => undefined);
    if (local === 'hang') await new Promise(() => undefined);
    if (local === 'boom') throw new Error('test check exploded');
    if (local === 'grey') task.force('greylist', '451 4.7.1 Greylisted, come back later');
    if (local === 'soft') task.force('soft reject');
    if (local === 'discard') task.force('discard');
    if (local === 'quarantine') task.force('quarantine', 'Suspicious sender');
    if (local === 'spammy') task.hit('MILTER_TEST_HIT', ['spammy'], 10);
  },
});

export const CHECKS = [gtubeCheck, byLocalPart, spamHeadersCheck];
/** rewrite subject at 8 so `spammy` (10) lands there; add header 6, reject 15 as by default. */
export const ENGINE_OPTIONS: TestEngineOptions = { actions: { 'rewrite subject': 8 }, settings: { outbound: { checksDisabled: ['milter-test'] } } };

export interface Harness {
  server: Server;
  target: MilterTarget;
  log: MemoryLogger;
  /** Every request the scanner saw, in order. */
  seen: ScanRequest[];
  session(ip?: string): Promise<MilterClient>;
  close(): Promise<void>;
}

/** Starts a milter server with the `milter:` keys given (validated by the real schema) on loopback TCP, or on a unix socket. */
export async function startMilter(config: Record<string, unknown> = {}, opts: { unix?: boolean } = {}): Promise<Harness> {
  const log = new MemoryLogger();
  const ctx = testContext({ log });
  const engine = await testEngine(CHECKS, { ...ENGINE_OPTIONS, ctx });
  const scanner = new Scanner(engine, ctx);
  const seen: ScanRequest[] = [];
  const c: MilterConfig = milterConfigSchema.parse(config);
  const server = createMilterServer({
    scanner: { scan: (r) => (seen.push(r), scanner.scan(r)) },
    log,
    failSafe: milterFailSafe(c.fail_action, log),
    session: milterSessionOptions(c),
  });
  let dir: string | undefined;
  let target: MilterTarget;
  if (opts.unix) {
    dir = mkdtempSync(join(tmpdir(), 'winnow-milter-'));
    target = { path: join(dir, 'milter.sock') };
    await listenOn(server, target);
  } else {
    await listenOn(server, { host: '127.0.0.1', port: 0 });
    target = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  }
  return {
    server,
    target,
    log,
    seen,
    session: (ip) => MilterClient.session(target, ip),
    async close() {
      await drainMilterServer(server, 500);
      await scanner.idle();
      await engine.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A small plain message from `from` to bob@example.org; `extra` headers go after the standard ones. */
export function tx(from: string, extra: [string, string][] = [], body = 'Hello Bob,\r\nsee you on Friday.\r\n'): Transaction {
  return {
    from,
    rcpts: ['bob@example.org'],
    queueId: '4Q1ABC',
    headers: [
      ['From', `Alice <${from}>`],
      ['To', 'Bob <bob@example.org>'],
      ['Subject', 'Lunch'],
      ['Date', 'Tue, 04 Mar 2025 10:00:00 +0000'],
      ['Message-ID', '<lunch.1@example.com>'],
      ...extra,
    ],
    body,
  };
}
