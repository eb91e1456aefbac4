// Serves the built web UI (dist/web) over HTTP/1.1: precompressed br/gzip by Accept-Encoding (RFC 9110 §12.5.3), immutable caching for hashed assets, no traversal.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/context.ts';
import { IncidentLog } from '../log/incident-log.ts';

/** Where `npm run build:web` (scripts/build-web.mjs) writes the bundle. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));
/** Hashed file names never change content, so browsers may keep them for a year without asking. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** index.html names the current hashes: always revalidated (cheap with the ETag). */
export const INDEX_CACHE_CONTROL = 'no-cache';
/** The page talks only to its own origin: no CDN, no fonts, no third-party requests, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** Longest request path considered; anything longer is not one of ours. */
const MAX_PATH_CHARS = 512;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Precompressed siblings, best first: the file suffix and the Content-Encoding token. */
const ENCODINGS = [
  { token: 'br', suffix: '.br' },
  { token: 'gzip', suffix: '.gz' },
] as const;

/** True for the request paths the UI owns: `/`, `/index.html` and `/assets/…`. */
export function isStaticPath(pathname: string): boolean {
  return pathname === '/' || pathname === '/index.html' || pathname.startsWith('/assets/');
}

/** Codings the client accepts (q > 0), per RFC 9110 §12.5.3; `*` stands for any not named. */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  const refused = new Set<string>();
  let star = false;
  for (const part of (header ?? '').split(',')) {
    const [rawName, ...params] = part.toLowerCase().split(';');
    const name = rawName.trim();
    if (!name) continue;
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const ok = q === undefined || Number(q) > 0;
    if (name === '*') star = ok;
    else (ok ? accepted : refused).add(name);
  }
  if (star) for (const e of ENCODINGS) if (!refused.has(e.token)) accepted.add(e.token);
  return accepted;
}

/**
 * Maps a request path to a file under `root`, or undefined when it is not a file we serve
 * (encoded slashes, dot segments, NUL, hidden files, unknown types all fall out here).
 */
export function resolveStaticFile(root: string, pathname: string): string | undefined {
  if (pathname.length > MAX_PATH_CHARS) return undefined;
  if (pathname === '/' || pathname === '/index.html') return join(root, 'index.html');
  if (!pathname.startsWith('/assets/')) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(pathname.slice('/assets/'.length));
  } catch {
    return undefined;
  }
  // One flat folder of hashed names: anything with a separator, a leading dot or a NUL is not one.
  if (name === '' || /[/\\\0]/.test(name) || name.startsWith('.')) return undefined;
  if (!(extname(name) in CONTENT_TYPES)) return undefined;
  const assets = resolve(root, 'assets');
  const file = resolve(assets, name);
  return file.startsWith(assets + sep) ? file : undefined;
}

export interface StaticSiteOptions {
  log: Logger;
  /** Defaults to DEFAULT_WEB_ROOT. */
  root?: string;
}

export interface StaticSite {
  /** Answers GET/HEAD for `pathname` (see isStaticPath); 404 for other files, 405 for other methods, 500 if the UI is not built. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void>;
}

interface Found {
  body: Buffer;
  encoding: string | undefined;
  mtimeMs: number;
}

async function readVariant(file: string, accepted: Set<string>): Promise<Found | undefined> {
  for (const e of ENCODINGS) {
    if (!accepted.has(e.token)) continue;
    const hit = await readIfFile(file + e.suffix);
    if (hit) return { ...hit, encoding: e.token };
  }
  const plain = await readIfFile(file);
  return plain && { ...plain, encoding: undefined };
}

async function readIfFile(file: string): Promise<{ body: Buffer; mtimeMs: number } | undefined> {
  try {
    const st = await stat(file);
    if (!st.isFile()) return undefined;
    return { body: await readFile(file), mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function createStaticSite(opts: StaticSiteOptions): StaticSite {
  const root = resolve(opts.root ?? DEFAULT_WEB_ROOT);
  const missing = new IncidentLog();

  return {
    async serve(req, res, pathname) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        reply(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
        return;
      }
      const file = resolveStaticFile(root, pathname);
      if (!file) {
        reply(res, 404, 'not found\n');
        return;
      }
      const isIndex = file === join(root, 'index.html');
      const found = await readVariant(file, acceptedEncodings(req.headers['accept-encoding']));
      if (!found) {
        if (isIndex) {
          missing.failed(opts.log, 'error', { root }, 'web UI is not built: run `npm run build:web`');
          reply(res, 500, `The winnow web UI is not built (no ${join(root, 'index.html')}).\nRun: npm run build:web\n`);
          return;
        }
        reply(res, 404, 'not found\n');
        return;
      }
      if (isIndex) missing.succeeded(opts.log, () => 'web UI build found again');
      const etag = `"${found.body.length.toString(36)}-${Math.trunc(found.mtimeMs).toString(36)}${found.encoding ? `-${found.encoding}` : ''}"`;
      const headers: Record<string, string> = {
        'Content-Type': CONTENT_TYPES[extname(file)],
        'Cache-Control': isIndex ? INDEX_CACHE_CONTROL : IMMUTABLE_CACHE_CONTROL,
        ETag: etag,
        Vary: 'Accept-Encoding',
        'X-Content-Type-Options': 'nosniff',
      };
      if (found.encoding) headers['Content-Encoding'] = found.encoding;
      if (isIndex) {
        headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
        headers['Referrer-Policy'] = 'no-referrer';
        headers['X-Frame-Options'] = 'DENY';
      }
      const ifNoneMatch = req.headers['if-none-match'];
      if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
        delete headers['Content-Type'];
        res.writeHead(304, headers);
        res.end();
        return;
      }
      headers['Content-Length'] = String(found.body.length);
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : found.body);
    },
  };
}
