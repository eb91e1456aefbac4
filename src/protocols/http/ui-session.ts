// Browser sessions for the controller UI: signed stateless session cookies (HttpOnly, SameSite=Strict) and their CSRF tokens (HMAC-SHA256).

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../core/context.ts';

export const SESSION_COOKIE = 'winnow_session';
/** A session lasts this long after login, then the UI asks for the password again. */
export const SESSION_TTL_MS = 12 * 3_600_000;
/** The signing key every worker shares, kept in the data directory so sessions survive reloads and restarts. */
export const SESSION_KEY_FILE = 'controller-session.key';
const KEY_BYTES = 32;
const NONCE_BYTES = 16;
/** Longest cookie value looked at; ours are ~90 characters. */
const MAX_TOKEN_CHARS = 256;

export type SessionVia = 'secure_ip' | 'password' | 'enable_password';

export interface Session {
  readOnly: boolean;
  via: SessionVia;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  csrf: string;
}

export interface IssuedSession extends Session {
  token: string;
}

const VIA_CODES: Record<SessionVia, string> = { secure_ip: 's', password: 'r', enable_password: 'e' };
const VIA_BY_CODE = new Map(Object.entries(VIA_CODES).map(([via, code]) => [code, via as SessionVia]));

function b64(buf: Buffer): string {
  return buf.toString('base64url');
}

/**
 * Issues and checks session tokens `<expiry s>.<via>.<ro>.<nonce>.<mac>`. Nothing is stored server-side, so every
 * worker accepts a session another one issued. `fingerprint` binds tokens to the configured passwords and trusted
 * networks: changing either ends every session.
 */
export class SessionCodec {
  readonly #key: Buffer;
  readonly #fingerprint: string;
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(key: Buffer, fingerprint: string, now: () => number = Date.now, ttlMs = SESSION_TTL_MS) {
    this.#key = key;
    this.#fingerprint = fingerprint;
    this.#now = now;
    this.#ttlMs = ttlMs;
  }

  #mac(payload: string): string {
    return b64(createHmac('sha256', this.#key).update(`v1|${payload}|${this.#fingerprint}`).digest());
  }

  #csrf(nonce: string): string {
    return b64(createHmac('sha256', this.#key).update(`csrf|${nonce}`).digest().subarray(0, 24));
  }

  issue(readOnly: boolean, via: SessionVia): IssuedSession {
    const expiresAt = this.#now() + this.#ttlMs;
    const nonce = b64(randomBytes(NONCE_BYTES));
    const payload = `${Math.floor(expiresAt / 1000)}.${VIA_CODES[via]}.${readOnly ? 1 : 0}.${nonce}`;
    return { token: `${payload}.${this.#mac(payload)}`, readOnly, via, expiresAt: Math.floor(expiresAt / 1000) * 1000, csrf: this.#csrf(nonce) };
  }

  /** The session a token stands for; undefined when it is forged, damaged, expired or from another configuration. */
  verify(token: string): Session | undefined {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    const parts = token.split('.');
    if (parts.length !== 5) return undefined;
    const [exp, viaCode, ro, nonce, mac] = parts;
    const expected = Buffer.from(this.#mac(`${exp}.${viaCode}.${ro}.${nonce}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const expiresAt = Number(exp) * 1000;
    const via = VIA_BY_CODE.get(viaCode);
    if (!/^\d+$/.test(exp) || expiresAt <= this.#now() || via === undefined || (ro !== '0' && ro !== '1')) return undefined;
    return { readOnly: ro === '1', via, expiresAt, csrf: this.#csrf(nonce) };
  }

  /** Constant-time comparison of a supplied CSRF token with the session's. */
  static csrfMatches(session: Session, supplied: string | undefined): boolean {
    if (supplied === undefined) return false;
    const a = Buffer.from(supplied);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** What a session is bound to: the stored passwords (plain or hashed) and the trusted networks. */
export function sessionFingerprint(parts: { password?: string; enablePassword?: string; secureIp: readonly string[] }): string {
  return createHash('sha256')
    .update(JSON.stringify([parts.password ?? null, parts.enablePassword ?? null, [...parts.secureIp]]))
    .digest('base64url');
}

/** The value of one cookie in a Cookie header (RFC 6265 §5.4), or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionToken(req: IncomingMessage): string | undefined {
  return cookieValue(req.headers.cookie, SESSION_COOKIE);
}

/** A TLS-terminating proxy says so in X-Forwarded-Proto; the cookie then only travels over https. */
function secureSuffix(req: IncomingMessage): string {
  return req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
}

export function sessionCookie(req: IncomingMessage, s: IssuedSession, now: number): string {
  const maxAge = Math.max(0, Math.floor((s.expiresAt - now) / 1000));
  return `${SESSION_COOKIE}=${s.token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secureSuffix(req)}`;
}

export function clearedSessionCookie(req: IncomingMessage): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secureSuffix(req)}`;
}

/**
 * The signing key from `<dataDir>/controller-session.key`, created (mode 0600) by whichever worker comes first:
 * written to a private temp name, then hard-linked into place, which fails if another worker won the race.
 * Without a usable data directory the key is random per process (one log line): sessions then only work
 * with the worker that issued them.
 */
export function loadSessionKey(dataDir: string | undefined, log: Logger): Buffer {
  if (dataDir === undefined) return randomBytes(KEY_BYTES);
  const path = join(dataDir, SESSION_KEY_FILE);
  try {
    return readKey(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return fallbackKey(path, err, log);
  }
  const tmp = `${path}.${process.pid}.${b64(randomBytes(6))}`;
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(tmp, randomBytes(KEY_BYTES).toString('hex'), { mode: 0o600 });
    try {
      linkSync(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return readKey(path);
  } catch (err) {
    return fallbackKey(path, err, log);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
  }
}

function readKey(path: string): Buffer {
  const hex = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw Object.assign(new Error(`${path} does not hold a 32-byte hex key`), { code: 'EBADKEY' });
  return Buffer.from(hex, 'hex');
}

function fallbackKey(path: string, err: unknown, log: Logger): Buffer {
  log.warn({ path, err: String(err) }, 'controller session key unusable; sessions will only be valid on the worker that issued them');
  return randomBytes(KEY_BYTES);
}
