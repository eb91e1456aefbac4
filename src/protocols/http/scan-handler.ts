// The rspamd-compatible normal worker port (default 127.0.0.1:11333): /checkv2, legacy /check /symbols /scan /process, /ping.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { INVALID_COMMAND, parseTarget, runSafely } from './dispatch.ts';
import { sendText } from './respond.ts';
import { handleScan, SCAN_COMMANDS, type ScanDeps } from './scan-route.ts';

export type ScanHandlerDeps = ScanDeps;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** rspamd answers `/ping` with exactly this body (rspamc and health checks compare it). */
export const PONG = 'pong\r\n';

export function createScanHandler(deps: ScanHandlerDeps): RequestHandler {
  return (req, res) => {
    void runSafely(req, res, deps.log, async () => {
      const { command, bag } = parseTarget(req);
      if (command === 'ping') {
        sendText(res, 200, PONG);
        return;
      }
      const shape = SCAN_COMMANDS[command];
      if (shape === undefined || !Object.hasOwn(SCAN_COMMANDS, command)) throw INVALID_COMMAND();
      await handleScan(req, res, bag, shape, deps);
    });
  };
}
