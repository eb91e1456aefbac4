// The browser's client for the controller API: same-origin fetch with the session cookie, the CSRF header on changes, errors as ApiError.

/** Where the CSRF token survives a reload of the tab (not other tabs, not the disk). */
const CSRF_KEY = 'winnow.csrf';
/** A request slower than this is abandoned with a clear message instead of a spinner forever. */
const REQUEST_TIMEOUT_MS = 60_000;

/** A failed API call: HTTP status, the stable error code and, for a validation error, the field it is about. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  /** Every field's problem when the server lists several. */
  readonly fields: { field: string; message: string }[];
  /** Line-level problems of a map edit, when the server lists them. */
  readonly lines: { line: number; message: string }[];
  readonly retryAfterSec: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { field?: string; fields?: { field: string; message: string }[]; lines?: { line: number; message: string }[]; retryAfterSec?: number } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = extra.field;
    this.fields = extra.fields ?? (extra.field ? [{ field: extra.field, message }] : []);
    this.lines = extra.lines ?? [];
    this.retryAfterSec = extra.retryAfterSec;
  }
}

let csrf = sessionStorage.getItem(CSRF_KEY) ?? '';
const unauthorizedListeners = new Set<() => void>();

export function setCsrf(token: string): void {
  csrf = token;
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

/** Called when any request comes back 401: the session ended (expired, logged out elsewhere, daemon restarted). */
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export interface RequestOptions {
  /** JSON-encoded unless it is a string (sent as text, e.g. a message or a map). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Do not treat a 401 as the end of the session (the login form itself). */
  quiet401?: boolean;
}

/** Turns any error body into an ApiError: winnow's `{error:{code,message,field}}` or rspamd's `{error:"text"}`. */
async function toError(res: Response): Promise<ApiError> {
  const retry = Number(res.headers.get('Retry-After'));
  const retryAfterSec = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  let text = '';
  try {
    text = await res.text();
  } catch {
    // The body is lost; the status still says what happened.
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const err = (parsed as { error?: unknown } | undefined)?.error;
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; field?: unknown; fields?: unknown; lines?: unknown };
    const lines = Array.isArray(e.lines) ? (e.lines as { line: number; message: string }[]) : undefined;
    const fields = Array.isArray(e.fields) && e.fields.length > 0 ? (e.fields as { field: string; message: string }[]) : undefined;
    return new ApiError(res.status, String(e.code ?? `HTTP_${res.status}`), String(e.message ?? res.statusText), {
      field: typeof e.field === 'string' ? e.field : undefined,
      fields,
      lines,
      retryAfterSec,
    });
  }
  const message = typeof err === 'string' ? err : text.trim().slice(0, 300) || res.statusText || `HTTP ${res.status}`;
  return new ApiError(res.status, `HTTP_${res.status}`, message, { retryAfterSec });
}

/** One API call, answering with the status too (learning tells "already learned" and "too few tokens" apart by status). */
export async function send<T>(method: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; data: T }> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let body: string | undefined;
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string') {
      body = opts.body;
      headers['Content-Type'] ??= 'text/plain; charset=utf-8';
    } else {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === 'TimeoutError';
    throw new ApiError(0, timedOut ? 'ERR_TIMEOUT' : 'ERR_NETWORK', timedOut ? 'The server did not answer in time.' : 'Cannot reach the winnow controller.');
  }
  if (!res.ok) {
    const err = await toError(res);
    if (res.status === 401 && !opts.quiet401) for (const fn of unauthorizedListeners) fn();
    throw err;
  }
  const type = res.headers.get('Content-Type') ?? '';
  const text = await res.text();
  if (text === '') return { status: res.status, data: undefined as T };
  if (type.includes('json')) {
    try {
      return { status: res.status, data: JSON.parse(text) as T };
    } catch {
      throw new ApiError(res.status, 'ERR_BAD_REPLY', 'The server sent a reply that is not valid JSON.');
    }
  }
  return { status: res.status, data: text as T };
}

/** One API call; resolves with parsed JSON (or text for text replies), rejects with ApiError. */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  return (await send<T>(method, path, opts)).data;
}

export const get = <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts);
export const post = <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body });
export const put = <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, { ...opts, body });

/** Query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** What to show for any thrown value. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
