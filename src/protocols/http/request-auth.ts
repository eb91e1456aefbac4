// Who may do what on the controller: rspamd's rules (Password header, secure_ip) for clients, plus session cookies with CSRF tokens for browsers.

import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Authenticator } from './auth.ts';
import type { HeaderBag } from './request-headers.ts';
import { HttpError } from './respond.ts';
import { clearedSessionCookie, SessionCodec, sessionToken, type Session } from './ui-session.ts';

/** Header the UI echoes its session's CSRF token in; a cross-site page cannot set it without a CORS preflight, which is never granted. */
export const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Access {
  readOnly: boolean;
  via: 'public' | 'secure_ip' | 'password' | 'enable_password' | 'session';
  session?: Session;
}

export interface RouteNeeds {
  /** Needs enable rights (rspamd's "privileged" commands, every edit). */
  privileged: boolean;
  /** rspamd-compatible routes keep rspamd's `401 {"error":"Unauthorized"}` for non-browser clients. */
  api: boolean;
}

/**
 * A request sent by a browser: it carries headers only browsers set and pages cannot remove (Sec-Fetch-Site on every
 * request of current browsers, Origin on cross-origin and non-GET ones). Sec-Fetch-Mode alone is no sign: Node's
 * fetch sends it too.
 */
export function isBrowserRequest(req: IncomingMessage): boolean {
  return req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
}

/** `host[:port]` without the port, brackets stripped. */
function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * A page reached by a host name could be a DNS-rebinding attack (evil.example resolving to 127.0.0.1): trust by
 * address (secure_ip) is only given to browsers that address the controller by IP literal or `localhost`.
 */
export function isLiteralHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const h = hostName(hostHeader);
  return h === 'localhost' || isIP(h) !== 0;
}

/** An `Origin` that is not this server's (by Host or a proxy's X-Forwarded-Host) marks a cross-site request. */
export function isCrossOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return true; // `null` (sandboxed frames, file:) and garbage are foreign
  }
  const own = [req.headers.host, req.headers['x-forwarded-host']].flat().filter((h): h is string => typeof h === 'string');
  return !own.some((h) => h.split(',')[0].trim().toLowerCase() === originHost);
}

function apiError(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, message, { code, headers });
}

function throttled(retryAfterMs: number): HttpError {
  return new HttpError(429, 'Too many failed logins', {
    code: 'ERR_TOO_MANY_ATTEMPTS',
    headers: { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) },
  });
}

/**
 * Decides one request or throws the HttpError to answer:
 * - a `Password` header or `?password=` → rspamd's rules (no cookie involved, so no CSRF check);
 * - a session cookie → the session's rights; a state-changing request also needs the session's CSRF token;
 * - neither, from secure_ip → full access for non-browser clients (rspamc); browsers may read when they use an
 *   IP-literal host, and need a session for changes;
 * - neither, from elsewhere → 401.
 * A browser request whose Origin is another site's is refused outright.
 */
export async function authorizeRequest(
  req: IncomingMessage,
  bag: HeaderBag,
  needs: RouteNeeds,
  auth: Authenticator,
  sessions: SessionCodec,
): Promise<Access> {
  const stateChanging = needs.privileged || !SAFE_METHODS.has(req.method ?? 'GET');
  if (isCrossOrigin(req)) throw apiError(403, 'ERR_CSRF', 'cross-site request refused');
  const password = bag('Password')[0];
  if (password !== undefined && password !== '') {
    const outcome = await auth.authorize(req.socket.remoteAddress, password, needs.privileged);
    if (outcome.ok) return { readOnly: outcome.readOnly, via: outcome.via };
    if (outcome.status === 429) throw throttled(outcome.retryAfterMs);
    throw new HttpError(401, 'Unauthorized', { code: 'ERR_AUTH_FAILED' });
  }

  const token = sessionToken(req);
  if (token !== undefined && token !== '') {
    const session = sessions.verify(token);
    if (!session) {
      throw apiError(401, 'ERR_SESSION_EXPIRED', 'the session has expired or is not valid; log in again', { 'Set-Cookie': clearedSessionCookie(req) });
    }
    if (needs.privileged && session.readOnly) throw apiError(403, 'ERR_READ_ONLY', 'this session has read-only access (logged in with the read password)');
    if (stateChanging && !SessionCodec.csrfMatches(session, firstHeader(req, CSRF_HEADER))) {
      throw apiError(403, 'ERR_CSRF', `missing or wrong ${CSRF_HEADER} header`);
    }
    return { readOnly: session.readOnly, via: 'session', session };
  }

  const browser = isBrowserRequest(req);
  if (auth.isSecurePeer(req.socket.remoteAddress)) {
    if (!browser) return { readOnly: false, via: 'secure_ip' };
    if (!isLiteralHost(req.headers.host)) throw apiError(401, 'ERR_LOGIN_REQUIRED', 'log in first (the controller was reached by host name)');
    if (stateChanging) throw apiError(401, 'ERR_LOGIN_REQUIRED', 'log in first (POST /api/login) to make changes from a browser');
    return { readOnly: false, via: 'secure_ip' };
  }
  if (needs.api || browser) throw apiError(401, 'ERR_AUTH_REQUIRED', 'authentication required: log in or send the Password header');
  // rspamd clients without a password: rspamd's answer, counted by the failure throttle as before.
  const outcome = await auth.authorize(req.socket.remoteAddress, undefined, needs.privileged);
  if (outcome.ok) return { readOnly: outcome.readOnly, via: outcome.via };
  if (outcome.status === 429) throw throttled(outcome.retryAfterMs);
  throw new HttpError(401, 'Unauthorized', { code: 'ERR_AUTH_REQUIRED' });
}

function firstHeader(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
