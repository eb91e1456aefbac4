// Writes HTTP replies the way rspamd clients expect them: whole body with Content-Length, `Server` header, optional zstd, JSON errors.

import type { ServerResponse } from 'node:http';
import { zstdCompressSync } from 'node:zlib';
import { version } from '../../version.ts';

export const SERVER_HEADER = `winnow/${version}`;
/** Longest error text echoed in the HTTP status line (rspamc prints the reason phrase). */
const MAX_REASON_CHARS = 120;

/** An error with the HTTP status it maps to; thrown by route code, turned into a JSON error reply. */
export class HttpError extends Error {
  readonly status: number;
  /** rspamd's task errors carry `error_domain`; controller errors do not. */
  readonly domain: string | undefined;
  /** Extra reply headers (e.g. Retry-After). */
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, opts: { domain?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.domain = opts.domain;
    this.headers = opts.headers ?? {};
  }
}

/** How the client asked for the reply to be compressed (see request-headers.ts ReplyOptions). */
export interface Compression {
  /** `Compression: zstd` header (rspamd 3.x, `Flags: zstd`). */
  rspamd?: boolean;
  /** `Content-Encoding: zstd` header (standard HTTP, `Accept-Encoding: zstd`). */
  contentEncoding?: boolean;
}

/** The status line's reason phrase must be printable ASCII without CR/LF or Node refuses it. */
function reasonPhrase(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, MAX_REASON_CHARS);
}

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  opts: { compression?: Compression; reason?: string; headers?: Record<string, string> } = {},
): void {
  if (res.headersSent || res.destroyed) return;
  let payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.statusCode = status;
  if (opts.reason) res.statusMessage = reasonPhrase(opts.reason);
  res.setHeader('Server', SERVER_HEADER);
  res.setHeader('Content-Type', contentType);
  for (const [k, v] of Object.entries(opts.headers ?? {})) res.setHeader(k, v);
  const c = opts.compression;
  if (c?.rspamd || c?.contentEncoding) {
    payload = zstdCompressSync(payload);
    if (c.rspamd) res.setHeader('Compression', 'zstd');
    else res.setHeader('Content-Encoding', 'zstd');
  }
  // rspamc's HTTP client reads by Content-Length; never fall back to chunked replies.
  res.setHeader('Content-Length', payload.length);
  res.end(payload);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, compression?: Compression): void {
  send(res, status, JSON.stringify(value), 'application/json', { compression });
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain'): void {
  send(res, status, text, contentType);
}

/** `{"error": text}` (plus `error_domain` for scan errors), with the text also in the status line as rspamd does. */
export function sendError(res: ServerResponse, err: HttpError): void {
  const body: Record<string, string> = { error: err.message };
  if (err.domain) body.error_domain = err.domain;
  send(res, err.status, JSON.stringify(body), 'application/json', { reason: err.message, headers: err.headers });
}
