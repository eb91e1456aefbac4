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
  /** Stable code (`ERR_…`) for winnow's own API errors. */
  readonly code: string | undefined;
  /** The request field an input error is about, and every field's problem when there are several. */
  readonly field: string | undefined;
  readonly fields: FieldProblem[];
  /** Line-level problems of a map or list text. */
  readonly lines: LineProblem[];

  constructor(status: number, message: string, opts: HttpErrorOptions = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.domain = opts.domain;
    this.headers = opts.headers ?? {};
    this.code = opts.code;
    this.fields = opts.fields ?? [];
    this.field = opts.field ?? this.fields[0]?.field;
    this.lines = opts.lines ?? [];
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

export interface LineProblem {
  line: number;
  message: string;
}

export interface HttpErrorOptions {
  domain?: string;
  headers?: Record<string, string>;
  code?: string;
  field?: string;
  fields?: FieldProblem[];
  lines?: LineProblem[];
}

/** rspamd's `{"error": text}` for rspamd-compatible routes; `{"error": {code, message, field?…}}` for winnow's `/api/` routes. */
export type ErrorStyle = 'rspamd' | 'api';

/** The stable code of an error that has none: by HTTP status. */
export function defaultErrorCode(status: number): string {
  if (status === 400) return 'ERR_BAD_REQUEST';
  if (status === 401) return 'ERR_AUTH_REQUIRED';
  if (status === 403) return 'ERR_FORBIDDEN';
  if (status === 404) return 'ERR_NOT_FOUND';
  if (status === 405) return 'ERR_METHOD_NOT_ALLOWED';
  if (status === 413) return 'ERR_TOO_LARGE';
  if (status === 415) return 'ERR_UNSUPPORTED_MEDIA_TYPE';
  if (status === 429) return 'ERR_TOO_MANY_ATTEMPTS';
  if (status === 501) return 'ERR_NOT_AVAILABLE';
  return status >= 500 ? 'ERR_INTERNAL' : `ERR_HTTP_${status}`;
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

/**
 * rspamd style: `{"error": text}` (plus `error_domain` for scan errors, and `fields`/`lines` when an edit was refused),
 * with the text also in the status line as rspamd does. API style: `{"error": {code, message, field?, fields?, lines?}}`.
 */
export function sendError(res: ServerResponse, err: HttpError, style: ErrorStyle = 'rspamd'): void {
  let body: Record<string, unknown>;
  if (style === 'api') {
    const e: Record<string, unknown> = { code: err.code ?? defaultErrorCode(err.status), message: err.message };
    if (err.field !== undefined) e.field = err.field;
    if (err.fields.length > 0) e.fields = err.fields;
    if (err.lines.length > 0) e.lines = err.lines;
    body = { error: e };
  } else {
    body = { error: err.message };
    if (err.domain) body.error_domain = err.domain;
    if (err.fields.length > 0) body.fields = err.fields;
    if (err.lines.length > 0) body.lines = err.lines;
  }
  send(res, err.status, JSON.stringify(body), 'application/json', { reason: err.message, headers: err.headers });
}
