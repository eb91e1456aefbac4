// Shared setup for the HTTP e2e tests: a real engine with a probe check, scan and controller servers on loopback, and an rspamc runner.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineCheck, type AnyCheck } from '../../src/core/check.ts';
import type { Engine } from '../../src/core/engine.ts';
import { ScanRecorder } from '../../src/core/scan-recorder.ts';
import { Scanner } from '../../src/core/scanner.ts';
import { testContext, testEngine } from '../../src/core/testing.ts';
import { createControllerHandler } from '../../src/protocols/http/controller-handler.ts';
import { closeServer, listen } from '../../src/protocols/http/listen.ts';
import { createScanHandler, type RequestHandler } from '../../src/protocols/http/scan-handler.ts';
import { createMemoryStore } from '../../src/storage/memory/memory-store.ts';

export const RSPAMC = '/usr/bin/rspamc';
const RSPAMC_TIMEOUT_MS = 15_000;
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const READ_PW = 'read-secret';
export const ENABLE_PW = 'enable-secret';

/** Echoes what the adapter put into the ScanRequest, so the tests can see the header mapping end to end. */
export const probe = defineCheck({
  name: 'http-probe',
  description: 'Test check for the HTTP adapter e2e tests',
  phase: 'filter',
  symbols: {
    PROBE_ENVELOPE: { weight: 0.1, description: 'Envelope as the adapter passed it' },
    PROBE_SPAMWORD: { weight: 7, description: 'Body contains SPAMWORD' },
    PROBE_NO_MESSAGE: { weight: 0, description: 'Envelope-only request' },
  },
  run(task) {
    const r = task.request;
    task.hit('PROBE_ENVELOPE', [
      `ip=${r.clientIp ?? '-'}`,
      `helo=${r.helo ?? '-'}`,
      `from=${r.mailFrom ?? '-'}`,
      `rcpt=${r.rcptTo.join('+') || '-'}`,
      `user=${r.user ?? '-'}`,
      `pass_all=${r.passAll === true}`,
    ]);
    if (!task.message) task.hit('PROBE_NO_MESSAGE');
    else if (task.message.text.includes('SPAMWORD')) task.hit('PROBE_SPAMWORD');
    if (task.message?.text.includes('FORCE-REJECT')) task.force('reject', 'probe refuses this');
  },
});

const GTUBE_MODULE = new URL('../../src/checks/gtube/index.ts', import.meta.url);

/** A small hand-written message (written for these tests); the Message-ID is the subject's word characters. */
export function eml(subject: string, body: string, extra = ''): string {
  return (
    `From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: ${subject}\r\n` +
    `Message-ID: <${subject.replace(/\W/g, '')}@example.org>\r\nDate: Tue, 04 Mar 2025 10:00:00 +0000\r\n${extra}\r\n${body}\r\n`
  );
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function rspamc(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(RSPAMC, args, { timeout: RSPAMC_TIMEOUT_MS }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

export async function json(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>;
}

export interface Endpoint {
  url: string;
  /** `127.0.0.1:PORT` for rspamc -h. */
  host: string;
}

export interface Stack {
  engine: Engine;
  log: ReturnType<typeof testContext>['log'];
  hasGtube: boolean;
  scan: Endpoint;
  /** Controller with the default secure_ip (loopback is trusted). */
  ctl: Endpoint;
  /** Controller with an empty secure_ip and READ_PW / ENABLE_PW: loopback acts as a remote peer. */
  remoteCtl: Endpoint;
  start(handler: RequestHandler): Promise<Endpoint & { server: Server }>;
  /** Writes a message file into the stack's temp dir and returns its path. */
  file(name: string, content: string | Uint8Array): Promise<string>;
  errorLogs(): string[];
  close(): Promise<void>;
}

async function loadChecks(): Promise<{ checks: AnyCheck[]; hasGtube: boolean }> {
  const checks: AnyCheck[] = [probe];
  if (!existsSync(GTUBE_MODULE)) return { checks, hasGtube: false };
  const mod = (await import(GTUBE_MODULE.href)) as Record<string, unknown>;
  const gtube = Object.values(mod).find((v): v is AnyCheck => typeof v === 'object' && v !== null && 'run' in v && 'phase' in v);
  if (gtube) checks.push(gtube);
  return { checks, hasGtube: gtube !== undefined };
}

export async function startStack(): Promise<Stack> {
  assert.ok(existsSync(RSPAMC), `${RSPAMC} is required for these tests (Debian package rspamd)`);
  const dir = await mkdtemp(join(tmpdir(), 'winnow-http-e2e-'));
  const servers: Server[] = [];
  const { checks, hasGtube } = await loadChecks();
  const store = createMemoryStore();
  const ctx = testContext({ store });
  const engine = await testEngine(checks, { ctx });
  const scanner = new Scanner(engine, ctx);
  const recorder = new ScanRecorder(store, ctx.log);
  scanner.addObserver(recorder);
  const deps = { scanner, store, log: ctx.log, recorder, maxMessageBytes: MAX_MESSAGE_BYTES };

  const start = async (handler: RequestHandler) => {
    const { server, address } = await listen(handler, { host: '127.0.0.1', port: 0 });
    servers.push(server);
    return { server, url: `http://127.0.0.1:${address.port}`, host: `127.0.0.1:${address.port}` };
  };
  return {
    engine,
    log: ctx.log,
    hasGtube,
    scan: await start(createScanHandler(deps)),
    ctl: await start(createControllerHandler({ ...deps, auth: { secureIp: ['127.0.0.1/32', '::1/128'] } })),
    remoteCtl: await start(createControllerHandler({ ...deps, auth: { password: READ_PW, enablePassword: ENABLE_PW, secureIp: [] } })),
    start,
    file: async (name, content) => {
      const p = join(dir, name);
      await writeFile(p, content);
      return p;
    },
    errorLogs: () => ctx.log.records.filter((r) => r.level === 'error').map((r) => r.msg),
    close: async () => {
      await Promise.all(servers.filter((s) => s.listening).map((s) => closeServer(s, 1_000)));
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
