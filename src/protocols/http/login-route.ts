// The UI's session endpoints: POST /api/login (password → session cookie + CSRF token), POST /api/logout, GET /api/session.

import type { Logger } from '../../core/context.ts';
import type { Authenticator } from './auth.ts';
import type { ControllerRoute, RouteContext } from './controller-types.ts';
import { readJsonBody, requireMethod } from './json-body.ts';
import { isBrowserRequest, isCrossOrigin, isLiteralHost } from './request-auth.ts';
import { HttpError, send } from './respond.ts';
import { clearedSessionCookie, sessionCookie, sessionToken, type IssuedSession, type SessionCodec } from './ui-session.ts';

export interface LoginDeps {
  auth: Authenticator;
  sessions: SessionCodec;
  log: Logger;
  now: () => number;
}

function sendWithCookie(c: RouteContext, status: number, body: unknown, cookie: string): void {
  send(c.res, status, JSON.stringify(body), 'application/json', { headers: { 'Set-Cookie': cookie, 'Cache-Control': 'no-store' } });
}

function sessionJson(s: IssuedSession | { readOnly: boolean; via: string; csrf: string; expiresAt: number }) {
  return { ok: true, authenticated: true, readOnly: s.readOnly, via: s.via, csrf: s.csrf, expiresAt: s.expiresAt };
}

function passwordOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'expected a JSON object {"password": "..."}', { code: 'ERR_BAD_REQUEST' });
  const pw = (body as { password?: unknown }).password;
  if (pw === undefined || pw === null) return undefined;
  if (typeof pw !== 'string') throw new HttpError(400, 'password must be a string', { code: 'ERR_BAD_REQUEST', field: 'password' });
  return pw;
}

export function loginRoutes(d: LoginDeps): [string, ControllerRoute][] {
  const login: ControllerRoute = {
    privileged: false,
    public: true,
    api: true,
    async handle(c) {
      requireMethod(c.req, 'POST');
      // Public route: the cross-site check every other route gets from authorizeRequest is made here.
      if (isCrossOrigin(c.req)) throw new HttpError(403, 'cross-site request refused', { code: 'ERR_CSRF' });
      const password = passwordOf(await readJsonBody(c.req));
      const peer = c.req.socket.remoteAddress;
      if ((password === undefined || password === '') && isBrowserRequest(c.req) && !isLiteralHost(c.req.headers.host)) {
        throw new HttpError(403, 'a password is needed when the controller is reached by host name', { code: 'ERR_AUTH_FAILED', field: 'password' });
      }
      const outcome = await d.auth.login(peer, password);
      if (!outcome.ok) {
        if (outcome.status === 429) {
          throw new HttpError(429, 'Too many failed logins; try again later', {
            code: 'ERR_TOO_MANY_ATTEMPTS',
            headers: { 'Retry-After': String(Math.ceil(outcome.retryAfterMs / 1000)) },
          });
        }
        d.log.warn({ peer, reason: outcome.reason }, 'controller UI login refused');
        throw new HttpError(403, 'wrong password', { code: 'ERR_AUTH_FAILED', field: 'password' });
      }
      const s = d.sessions.issue(outcome.readOnly, outcome.via);
      d.log.info({ peer, via: outcome.via, readOnly: outcome.readOnly }, 'controller UI login');
      sendWithCookie(c, 200, sessionJson(s), sessionCookie(c.req, s, d.now()));
    },
  };
  const logout: ControllerRoute = {
    privileged: false,
    public: true,
    api: true,
    async handle(c) {
      requireMethod(c.req, 'POST');
      // Stateless sessions cannot be revoked server-side: the cookie is cleared (and expires by itself at the latest).
      sendWithCookie(c, 200, { ok: true }, clearedSessionCookie(c.req));
    },
  };
  const session: ControllerRoute = {
    privileged: false,
    public: true,
    api: true,
    async handle(c) {
      requireMethod(c.req, 'GET', 'HEAD');
      const token = sessionToken(c.req);
      const current = token ? d.sessions.verify(token) : undefined;
      if (current) return send(c.res, 200, JSON.stringify(sessionJson(current)), 'application/json', { headers: { 'Cache-Control': 'no-store' } });
      // A trusted (secure_ip) browser on an IP-literal host gets a session without a password, as if it logged in with none.
      if (d.auth.isSecurePeer(c.req.socket.remoteAddress) && !isCrossOrigin(c.req) && isLiteralHost(c.req.headers.host)) {
        const s = d.sessions.issue(false, 'secure_ip');
        return sendWithCookie(c, 200, sessionJson(s), sessionCookie(c.req, s, d.now()));
      }
      const body = { ok: false, authenticated: false, readOnly: true };
      send(c.res, 200, JSON.stringify(body), 'application/json', { headers: { 'Cache-Control': 'no-store', ...(token ? { 'Set-Cookie': clearedSessionCookie(c.req) } : {}) } });
    },
  };
  return [
    ['api/login', login],
    ['api/logout', logout],
    ['api/session', session],
  ];
}
