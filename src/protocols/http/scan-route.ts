// One scan over HTTP: headers → ScanRequest, body → message bytes, Scanner.scan, ScanResult → rspamd JSON (checkv2 or legacy).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/context.ts';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import { decodeBody, readBody, requestCoding } from './body.ts';
import { toCheckV2Reply, toLegacyReply } from './reply-json.ts';
import { mapRequestHeaders, type HeaderBag } from './request-headers.ts';
import { HttpError, sendJson } from './respond.ts';

/** What a scan route needs from the daemon. */
export interface ScanDeps {
  scanner: { scan(request: ScanRequest): Promise<ScanResult> };
  log: Logger;
  /** Largest message accepted, in bytes (after decompression); larger bodies get 413. */
  maxMessageBytes: number;
}

export type ReplyShape = 'checkv2' | 'legacy';

/** Legacy rspamd commands answer with the legacy JSON; `/checkv2` with the current one. */
export const SCAN_COMMANDS: Record<string, ReplyShape> = {
  checkv2: 'checkv2',
  check: 'legacy',
  symbols: 'legacy',
  scan: 'legacy',
  process: 'legacy',
};

export async function handleScan(req: IncomingMessage, res: ServerResponse, bag: HeaderBag, shape: ReplyShape, deps: ScanDeps): Promise<void> {
  if (req.method !== 'POST' && req.method !== 'PUT') {
    throw new HttpError(405, `scan commands need a POST with the message as body, not ${req.method}`, { headers: { Allow: 'POST' } });
  }
  const mapped = mapRequestHeaders(bag);
  if (!mapped.ok) throw new HttpError(400, mapped.error, { domain: 'winnow' });
  // Validate the coding before reading so an unsupported one is refused without taking the upload.
  const coding = requestCoding(bag);
  const body = decodeBody(await readBody(req, deps.maxMessageBytes), coding, deps.maxMessageBytes);
  // A 0-byte body is an envelope-only scan (like a policy request), not an empty message to parse.
  const request: ScanRequest = body.length > 0 ? { ...mapped.request, message: body } : mapped.request;
  const result = await deps.scanner.scan(request);
  const json = shape === 'checkv2' ? toCheckV2Reply(result) : toLegacyReply(result);
  sendJson(res, 200, json, { rspamd: mapped.reply.zstdReply, contentEncoding: mapped.reply.zstdContentEncoding });
  if (!mapped.flags.includes('no_log')) {
    deps.log.debug(
      { queueId: request.queueId, ip: request.clientIp, action: result.action, score: result.score, ms: Math.round(result.timeMs) },
      'http scan',
    );
  }
}
