// Test support for the controller's route tests: a real handler on loopback over a memory store and an engine with a probe check.

import type { Server } from 'node:http';
import { defineCheck } from '../../core/check.ts';
import { ScanRecorder } from '../../core/scan-recorder.ts';
import { Scanner } from '../../core/scanner.ts';
import { testContext, testEngine } from '../../core/testing.ts';
import type { MemoryLogger } from '../../log/memory-logger.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import type { Store } from '../../storage/store.ts';
import { createControllerHandler, type ControllerDeps } from './controller-handler.ts';
import { closeServer, listen } from './listen.ts';

/** Words in the body decide the probe's symbols, so each test states its verdict in the message it sends. */
export const uiProbe = defineCheck({
  name: 'ui-probe',
  description: 'Test check for the controller route tests',
  phase: 'filter',
  symbols: {
    UI_SPAMMY: { weight: 7, description: 'Body says SPAMMY', group: 'probe' },
    UI_BITS: { weight: 1.5, description: 'Body says BITS', group: 'probe' },
    UI_NICE: { weight: -2, description: 'Body says NICE', group: 'probe' },
  },
  run(task) {
    const text = task.message?.text ?? '';
    if (text.includes('SPAMMY')) task.hit('UI_SPAMMY', ['spammy']);
    if (text.includes('BITS')) task.hit('UI_BITS');
    if (text.includes('NICE')) task.hit('UI_NICE');
    if (text.includes('FORCE-REJECT')) task.force('reject', 'probe refuses this');
  },
});

export function uiMessage(subject: string, body: string): string {
  return `From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.org>\r\n\r\n${body}\r\n`;
}

export interface TestController {
  url: string;
  deps: ControllerDeps;
  store: Store;
  log: MemoryLogger;
  close(): Promise<void>;
}

/** Starts a controller on 127.0.0.1:0; `overrides` replace deps (auth defaults to no secure_ip with read/enable passwords). */
export async function startTestController(overrides: Partial<ControllerDeps> = {}): Promise<TestController> {
  const store = createMemoryStore();
  const ctx = testContext({ store });
  const engine = await testEngine([uiProbe], { ctx });
  const scanner = new Scanner(engine, ctx);
  const recorder = new ScanRecorder(store, ctx.log);
  scanner.addObserver(recorder);
  const deps: ControllerDeps = {
    scanner,
    store,
    log: ctx.log,
    recorder,
    maxMessageBytes: 1024 * 1024,
    auth: { password: 'read-pw', enablePassword: 'enable-pw', secureIp: [] },
    ...overrides,
  };
  const { server, address } = await listen(createControllerHandler(deps), { host: '127.0.0.1', port: 0 });
  const servers: Server[] = [server];
  return {
    url: `http://127.0.0.1:${address.port}`,
    deps,
    store,
    log: ctx.log,
    close: async () => {
      await Promise.all(servers.map((s) => closeServer(s, 500)));
      await recorder.flush();
      await engine.close();
    },
  };
}

/** Logs in with `password` and returns the headers a browser would send afterwards (cookie, CSRF token, same-origin). */
export async function loginHeaders(url: string, password: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/api/login`, { method: 'POST', body: JSON.stringify({ password }), headers: { 'Content-Type': 'application/json' } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrf: string };
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return { Cookie: cookie, 'X-CSRF-Token': body.csrf, 'Sec-Fetch-Site': 'same-origin' };
}
