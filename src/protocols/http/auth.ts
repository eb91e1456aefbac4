// Controller access control as rspamd does it: secure_ip peers pass, others need `password` (read) or `enable_password` (privileged).

import { BlockList, isIP } from 'node:net';
import { createHash } from 'node:crypto';
import { FailureThrottle } from './failure-throttle.ts';
import { validateStoredPassword, verifyPassword } from './password.ts';

export { hashPassword } from './password.ts';
import { normalizeIp } from '../../net/ip-address.ts';

export interface ControllerAuthConfig {
  /** Read-only access (plain text or `$scrypt$…`). */
  password?: string;
  /** Privileged access (resets, learning); when absent, `password` grants it too. */
  enablePassword?: string;
  /** Peers that need no password: addresses or CIDRs. */
  secureIp: string[];
}

export const DEFAULT_SECURE_IP = ['127.0.0.1/32', '::1/128'];

/** rspamd refuses its sample passwords from non-trusted peers; an example config copied verbatim must not open the controller. */
export const REFUSED_PASSWORDS = ['q1', 'q2'];
/** Verified (stored, supplied) pairs remembered so a polling dashboard does not pay an scrypt per request. */
const MAX_VERIFIED_CACHE = 64;

export type AuthOutcome =
  | { ok: true; readOnly: boolean; via: 'secure_ip' | 'password' | 'enable_password' }
  | { ok: false; status: 401; reason: string }
  | { ok: false; status: 429; retryAfterMs: number };

/** Parses `secure_ip` entries into a BlockList; the error names the entry that is wrong. */
export function secureIpList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, prefix, ...rest] = entry.trim().split('/');
    const family = isIP(addr);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || rest.length > 0 || !Number.isInteger(bits) || bits < 0 || bits > maxBits || (prefix !== undefined && !/^\d+$/.test(prefix))) {
      throw new Error(`secure_ip: ${JSON.stringify(entry)} is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1/128)`);
    }
    list.addSubnet(addr, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

export class Authenticator {
  readonly #config: ControllerAuthConfig;
  readonly #secure: BlockList;
  readonly #throttle: FailureThrottle;
  readonly #verified = new Set<string>();

  constructor(config: ControllerAuthConfig, throttle = new FailureThrottle()) {
    for (const [key, value] of [
      ['password', config.password],
      ['enable_password', config.enablePassword],
    ] as const) {
      const problem = value === undefined ? undefined : validateStoredPassword(value);
      if (problem) throw new Error(`controller.${key}: ${problem}`);
    }
    this.#config = config;
    this.#secure = secureIpList(config.secureIp);
    this.#throttle = throttle;
  }

  /** Unix-socket peers (no address) are trusted like secure_ip, as in rspamd. */
  isSecurePeer(remoteAddress: string | undefined): boolean {
    if (remoteAddress === undefined) return true;
    const ip = normalizeIp(remoteAddress);
    if (ip === undefined) return false;
    return this.#secure.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  }

  async #matches(supplied: string, stored: string | undefined): Promise<boolean> {
    if (stored === undefined) return false;
    const cacheKey = createHash('sha256').update(stored).update('\0').update(supplied).digest('base64');
    if (this.#verified.has(cacheKey)) return true;
    const ok = await verifyPassword(supplied, stored);
    if (ok) {
      if (this.#verified.size >= MAX_VERIFIED_CACHE) this.#verified.clear();
      this.#verified.add(cacheKey);
    }
    return ok;
  }

  /** One password attempt from a peer: refused outright while the peer is throttled; `fail` counts a failure. */
  #attempt(remoteAddress: string | undefined): { throttled?: AuthOutcome; fail: (reason: string) => AuthOutcome } {
    const peer = normalizeIp(remoteAddress ?? '') ?? String(remoteAddress);
    const retryAfterMs = this.#throttle.retryAfterMs(peer);
    const fail = (reason: string): AuthOutcome => {
      this.#throttle.recordFailure(peer);
      return { ok: false, status: 401, reason };
    };
    return { throttled: retryAfterMs > 0 ? { ok: false, status: 429, retryAfterMs } : undefined, fail };
  }

  /**
   * Decides one request. With no password configured, only secure_ip peers get in (rspamd would
   * open read access to everyone; an unconfigured controller should not be readable from the network).
   */
  async authorize(remoteAddress: string | undefined, supplied: string | undefined, privileged: boolean): Promise<AuthOutcome> {
    if (this.isSecurePeer(remoteAddress)) return { ok: true, readOnly: false, via: 'secure_ip' };
    const { throttled, fail } = this.#attempt(remoteAddress);
    if (throttled) return throttled;
    if (supplied === undefined || supplied === '') return fail('no password supplied');
    if (REFUSED_PASSWORDS.includes(supplied)) return fail('sample password refused for remote access');

    const { password, enablePassword } = this.#config;
    const enableStored = enablePassword ?? password;
    if (await this.#matches(supplied, enableStored)) return { ok: true, readOnly: false, via: 'enable_password' };
    if (privileged) return fail(enablePassword === undefined && password === undefined ? 'no password configured' : 'wrong password');
    if (enablePassword !== undefined && (await this.#matches(supplied, password))) return { ok: true, readOnly: true, via: 'password' };
    return fail(password === undefined && enablePassword === undefined ? 'no password configured' : 'wrong password');
  }

  /**
   * A browser login: the password itself is checked even from secure_ip peers (a wrong one is refused and counted);
   * an empty one is accepted only from secure_ip peers, which need no password anyway. Throttled like `authorize`.
   */
  async login(remoteAddress: string | undefined, supplied: string | undefined): Promise<AuthOutcome> {
    const secure = this.isSecurePeer(remoteAddress);
    const { throttled, fail } = this.#attempt(remoteAddress);
    if (throttled) return throttled;
    const { password, enablePassword } = this.#config;
    if (supplied === undefined || supplied === '') return secure ? { ok: true, readOnly: false, via: 'secure_ip' } : fail('no password supplied');
    if (!secure && REFUSED_PASSWORDS.includes(supplied)) return fail('sample password refused for remote access');
    if (await this.#matches(supplied, enablePassword ?? password)) return { ok: true, readOnly: false, via: 'enable_password' };
    if (enablePassword !== undefined && (await this.#matches(supplied, password))) return { ok: true, readOnly: true, via: 'password' };
    return fail(password === undefined && enablePassword === undefined ? 'no password configured' : 'wrong password');
  }
}
