// spamd-setup for winnow: fetches every list source (file, http(s), command; gzip detected), keeps a failed source's previous list, applies white-minus-black in order and writes the cache file.

import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Logger } from '../../core/context.ts';
import { parseCidr, parseListText, subtract, toCidrs, type IpRange } from './list-file.ts';
import { parseCache, writeCache, type CachedSource, type ListsCache } from './lists-cache.ts';
import { sourceLocation, type SpamdSource } from './sources-config.ts';

const execFileAsync = promisify(execFile);
const gunzipAsync = promisify(gunzip);

/** Largest download, file or command output accepted: real lists are a few MB; this bounds memory. */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;
/** Largest list text after gunzip. */
export const MAX_LIST_TEXT_BYTES = 256 * 1024 * 1024;
const GZIP_MAGIC = [0x1f, 0x8b];

export interface FetchOptions {
  /** Relative file paths resolve against it (the config file's directory); commands run in it. */
  configDir: string;
  timeoutMs: number;
}

export interface SourceReport {
  name: string;
  type: 'black' | 'white';
  /** The fetch and parse worked; false means the previous list (if any) was kept. */
  ok: boolean;
  /** Networks in the list now in use (collapsed CIDRs). */
  entries: number;
  /** Black sources: networks left after the white sources after it. */
  effective?: number;
  /** Lines that were neither an entry nor a comment. */
  bad: number;
  error?: string;
}

async function readBody(res: Response, url: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_SOURCE_BYTES) throw new Error(`${url} is ${declared} bytes, over the ${MAX_SOURCE_BYTES} byte limit`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > MAX_SOURCE_BYTES) throw new Error(`${url} is over the ${MAX_SOURCE_BYTES} byte limit`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The source's bytes as fetched; throws an Error saying why not (status, exit code, timeout, missing file). */
export async function fetchSource(source: string, opts: FetchOptions): Promise<Buffer> {
  const loc = sourceLocation(source);
  switch (loc.kind) {
    case 'http': {
      const signal = AbortSignal.timeout(opts.timeoutMs);
      try {
        const res = await fetch(loc.url, { signal, redirect: 'follow' });
        if (!res.ok) {
          await res.body?.cancel();
          throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
        }
        return await readBody(res, loc.url);
      } catch (err) {
        if (signal.aborted) throw new Error(`no complete answer within ${opts.timeoutMs} ms`, { cause: err });
        const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
        throw cause?.message ? new Error(cause.code ? `${cause.code}: ${cause.message}` : cause.message, { cause: err }) : err;
      }
    }
    case 'exec': {
      try {
        const { stdout } = await execFileAsync('/bin/sh', ['-c', loc.command], {
          cwd: opts.configDir,
          timeout: opts.timeoutMs,
          maxBuffer: MAX_SOURCE_BYTES,
          encoding: 'buffer',
        });
        return stdout;
      } catch (err) {
        const e = err as Error & { code?: number | string; killed?: boolean; signal?: string; stderr?: Buffer };
        const stderr = e.stderr?.toString('utf8').trim().split('\n')[0];
        if (e.killed && e.signal) throw new Error(`command did not finish within ${opts.timeoutMs} ms`, { cause: err });
        if (typeof e.code === 'number') throw new Error(`command exited with code ${e.code}${stderr ? `: ${stderr}` : ''}`, { cause: err });
        throw new Error(e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' ? `command output over ${MAX_SOURCE_BYTES} bytes` : e.message, { cause: err });
      }
    }
    case 'file': {
      const path = resolve(opts.configDir, loc.path);
      const st = await stat(path);
      if (st.size > MAX_SOURCE_BYTES) throw new Error(`${path} is ${st.size} bytes, over the ${MAX_SOURCE_BYTES} byte limit`);
      return readFile(path);
    }
  }
}

/** List text of fetched bytes, unpacking gzip (recognised by its magic number, as spamd-setup does for `.gz`). */
export async function decodeList(data: Buffer): Promise<string> {
  if (data.length >= 2 && data[0] === GZIP_MAGIC[0] && data[1] === GZIP_MAGIC[1]) {
    try {
      return (await gunzipAsync(data, { maxOutputLength: MAX_LIST_TEXT_BYTES })).toString('utf8');
    } catch (err) {
      throw new Error(`gzip data is corrupt or too large: ${(err as Error).message}`, { cause: err });
    }
  }
  return data.toString('utf8');
}

/** Fetches and parses one source; throws when there is nothing trustworthy (an error page parses to no entry at all). */
export async function loadSource(src: SpamdSource, opts: FetchOptions): Promise<{ cidrs: string[]; bad: number; badSample: string[] }> {
  const text = await decodeList(await fetchSource(src.source, opts));
  const parsed = parseListText(text);
  const sample = parsed.bad.map((b) => `line ${b.line}: ${b.text}`);
  if (parsed.ranges.length === 0 && parsed.badCount > 0) {
    throw new Error(`no valid entry, ${parsed.badCount} bad line(s) (${sample[0]})`);
  }
  return { cidrs: toCidrs(parsed.ranges), bad: parsed.badCount, badSample: sample };
}

export async function readCacheFile(path: string, log: Logger): Promise<ListsCache | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ file: path, err: (err as Error).message }, `spamd lists: cannot read ${path}; starting without previous lists`);
    return undefined;
  }
  try {
    return parseCache(text);
  } catch (err) {
    log.warn({ file: path, err: (err as Error).message }, `spamd lists: ${path} is unusable (${(err as Error).message}); starting without previous lists`);
    return undefined;
  }
}

function ranges(cidrs: readonly string[]): IpRange[] {
  return cidrs.map((c) => parseCidr(c)).filter((r): r is IpRange => r !== undefined);
}

/** spamd.conf order: each black source loses the addresses of every white source after it. */
export function applyWhitelists(sources: CachedSource[]): void {
  let whitesAfter: IpRange[] = [];
  for (let i = sources.length - 1; i >= 0; i--) {
    const s = sources[i];
    if (s.type === 'white') whitesAfter = whitesAfter.concat(ranges(s.raw));
    else if (whitesAfter.length) s.effective = toCidrs(subtract(ranges(s.raw), whitesAfter));
  }
}

export interface UpdateOptions extends FetchOptions {
  sources: readonly SpamdSource[];
  cachePath: string;
  log: Logger;
  /** Fetch only these sources; the others keep their cached lists (the SPF whitelist refresh). */
  only?: ReadonlySet<string>;
  now?: () => number;
}

/** One spamd-setup run: fetch all (in parallel), fall back per source, merge, write the cache. Never throws for a source. */
export async function updateLists(opts: UpdateOptions): Promise<SourceReport[]> {
  const now = opts.now ?? Date.now;
  const previous = new Map((await readCacheFile(opts.cachePath, opts.log))?.sources.map((s) => [s.name, s]) ?? []);
  const reports: SourceReport[] = [];
  const merged = await Promise.all(
    opts.sources.map(async (src): Promise<CachedSource> => {
      const prev = previous.get(src.name);
      const base = { name: src.name, type: src.type, ...(src.message !== undefined ? { message: src.message } : {}) };
      if (opts.only && !opts.only.has(src.name) && prev && prev.type === src.type) {
        return { ...base, raw: prev.raw, fetchedAt: prev.fetchedAt, bad: prev.bad, ...(prev.error ? { error: prev.error } : {}) };
      }
      try {
        const got = await loadSource(src, opts);
        if (got.bad > 0) opts.log.warn({ source: src.name, bad: got.bad, sample: got.badSample }, `spamd source ${src.name}: ${got.bad} bad line(s) skipped`);
        return { ...base, raw: got.cidrs, fetchedAt: now(), bad: got.bad };
      } catch (err) {
        const reason = (err as Error).message;
        const kept = prev && prev.type === src.type ? prev : undefined;
        opts.log.warn(
          { source: src.name, from: src.source, err: reason },
          `spamd source ${src.name} (${src.source}) failed: ${reason}; ${kept ? `keeping the previous list (${kept.raw.length} networks)` : 'no previous list to keep'}`,
        );
        return { ...base, raw: kept?.raw ?? [], fetchedAt: kept?.fetchedAt ?? 0, bad: kept?.bad ?? 0, error: reason };
      }
    }),
  );
  applyWhitelists(merged);
  await writeCache(opts.cachePath, { version: 1, writtenAt: now(), sources: merged });
  for (const s of merged) {
    reports.push({
      name: s.name,
      type: s.type,
      ok: s.error === undefined,
      entries: s.raw.length,
      ...(s.type === 'black' ? { effective: s.effective?.length ?? s.raw.length } : {}),
      bad: s.bad,
      ...(s.error !== undefined ? { error: s.error } : {}),
    });
  }
  return reports;
}
