// Shared request plumbing for both HTTP ports: command parsing and turning thrown errors into JSON replies without dying.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/context.ts';
import { isWinnowError } from '../../errors.ts';
import { ClientGone } from './body.ts';
import { headerBag, type HeaderBag } from './request-headers.ts';
import { HttpError, sendError, type ErrorStyle } from './respond.ts';

export interface ParsedTarget {
  /** First path segment, lower-cased (rspamd matches commands case-insensitively). */
  command: string;
  url: URL;
  bag: HeaderBag;
}

export function parseTarget(req: IncomingMessage): ParsedTarget {
  // The base only anchors relative request targets; the host is never used.
  const url = new URL(req.url ?? '/', 'http://localhost');
  const command = url.pathname.split('/').filter((s) => s !== '')[0]?.toLowerCase() ?? '';
  return { command, url, bag: headerBag(req.headersDistinct, url.searchParams) };
}

/** The reply to an unknown command, as rspamd gives it. */
export const INVALID_COMMAND = (): HttpError => new HttpError(400, 'invalid command');

/**
 * Runs a route and answers any failure: HttpError → its status; WinnowError → its mapped status;
 * anything else → 500 with one log line. A client that vanished gets no reply and no error log.
 */
export async function runSafely(
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  route: () => Promise<void>,
  /** Decided once the route is known: winnow's `/api/` routes answer errors in their own shape. */
  style: () => ErrorStyle = () => 'rspamd',
): Promise<void> {
  // Only the path is logged: the query string may carry `password=`.
  const path = (req.url ?? '').split('?')[0];
  try {
    await route();
  } catch (err) {
    if (err instanceof ClientGone) {
      log.debug({ path }, 'client disconnected before the request was complete');
      res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      sendError(res, err, style());
      return;
    }
    const status = isWinnowError(err) ? err.httpStatus : 500;
    const message = err instanceof Error ? err.message : String(err);
    log.error({ err: message, code: isWinnowError(err) ? err.code : undefined, path, method: req.method }, 'http request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, new HttpError(status, message, { domain: 'winnow', code: isWinnowError(err) ? err.code : undefined }), style());
  }
}
