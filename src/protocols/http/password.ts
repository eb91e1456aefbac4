// Controller password hashing and checking: `$scrypt$N$salt$hash` (node:crypto scrypt, base64url) or plain text, compared in constant time.

import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Cost of new hashes: 2^14 with r=8 takes ~50 ms and 16 MiB, the usual interactive-login setting. */
export const SCRYPT_DEFAULT_N = 16_384;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SCRYPT_SALT_BYTES = 16;
const SCRYPT_KEY_BYTES = 32;
/** Hashes with a larger N are refused: verifying one would need more than 1 GiB per request. */
export const SCRYPT_MAX_N = 2 ** 20;

const HASH_RE = /^\$scrypt\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

interface ScryptHash {
  n: number;
  salt: Buffer;
  key: Buffer;
}

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

function options(n: number): ScryptOptions {
  // Node refuses scrypt above `maxmem` (32 MiB by default); the need is 128·N·r bytes, plus headroom.
  return { N: n, r: SCRYPT_R, p: SCRYPT_P, maxmem: 256 * n * SCRYPT_R };
}

/** True when a configured password is a hash rather than plain text. */
export function isHashedPassword(stored: string): boolean {
  return stored.startsWith('$scrypt$');
}

/** Parses a stored hash; returns an error text naming what is wrong, for the config checker. */
export function parseScryptHash(stored: string): ScryptHash | string {
  const m = HASH_RE.exec(stored);
  if (!m) return 'malformed scrypt hash: expected $scrypt$N$salt$hash (as printed by `winnow pw`)';
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || n < 2 || (n & (n - 1)) !== 0 || n > SCRYPT_MAX_N) {
    return `scrypt cost N must be a power of two between 2 and ${SCRYPT_MAX_N}, got ${m[1]}`;
  }
  const salt = Buffer.from(m[2], 'base64url');
  const key = Buffer.from(m[3], 'base64url');
  if (key.length < 16) return 'scrypt hash is too short (at least 16 bytes expected)';
  return { n, salt, key };
}

/** Refuses stored values that look like hashes winnow cannot check, instead of treating them as plain passwords. */
export function validateStoredPassword(stored: string): string | undefined {
  if (stored === '') return 'password must not be empty';
  if (/^\$\d+\$/.test(stored)) return "rspamd's `rspamadm pw` hashes ($1$…) are not supported; hash the password again with `winnow pw`";
  if (isHashedPassword(stored)) {
    const parsed = parseScryptHash(stored);
    if (typeof parsed === 'string') return parsed;
  }
  return undefined;
}

/** Hashes a password for the config file (`winnow pw`). */
export async function hashPassword(password: string, n = SCRYPT_DEFAULT_N): Promise<string> {
  const salt = randomBytes(SCRYPT_SALT_BYTES);
  const key = await scryptAsync(password, salt, SCRYPT_KEY_BYTES, options(n));
  return `$scrypt$${n}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Checks a supplied password against a stored plain or hashed one without leaking timing. */
export async function verifyPassword(supplied: string, stored: string): Promise<boolean> {
  if (!isHashedPassword(stored)) {
    // Equal-length digests let timingSafeEqual compare without revealing the stored length.
    return timingSafeEqual(sha256(supplied), sha256(stored));
  }
  const parsed = parseScryptHash(stored);
  if (typeof parsed === 'string') return false;
  const key = await scryptAsync(supplied, parsed.salt, parsed.key.length, options(parsed.n));
  return timingSafeEqual(key, parsed.key);
}
