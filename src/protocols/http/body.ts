// Reads a request body under a size limit and undoes zstd transfer compression (rspamd `Compression: zstd`, PROTOCOLS.md §3.5).

import type { IncomingMessage } from 'node:http';
import { zstdDecompressSync } from 'node:zlib';
import { HttpError } from './respond.ts';
import type { HeaderBag } from './request-headers.ts';

/** rspamd's default `max_message` is 50 MiB; the daemon passes the configured limit. */
export const DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

/** Raised when the client went away before the body was complete: there is no one left to answer. */
export class ClientGone extends Error {
  constructor(cause: unknown) {
    super('client disconnected while sending the request body', { cause });
    this.name = 'ClientGone';
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `message exceeds the size limit of ${maxBytes} bytes`, { domain: 'winnow', headers: { Connection: 'close' } });
}

/**
 * Collects the body, refusing (413) as soon as it is known to exceed `maxBytes`: up front from
 * Content-Length, else while reading; nothing beyond the limit is kept in memory.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new ClientGone(err);
  }
  // The async iterator ends quietly on some aborts; a short body must not be scanned as if complete.
  if (!req.complete) throw new ClientGone(new Error('request body incomplete'));
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

/** The transfer compression the client declared, if any; unknown codings are a 400, not silently scanned as bytes. */
export function requestCoding(bag: HeaderBag): 'zstd' | undefined {
  const values = [...bag('Compression'), ...bag('Content-Encoding')].map((v) => v.trim().toLowerCase()).filter((v) => v !== '' && v !== 'identity');
  if (values.length === 0) return undefined;
  const unsupported = values.find((v) => v !== 'zstd');
  if (unsupported !== undefined) throw new HttpError(415, `unsupported request compression: ${unsupported}`, { domain: 'winnow' });
  if (bag('Dictionary').length > 0) throw new HttpError(415, 'zstd dictionaries are not supported', { domain: 'winnow' });
  return 'zstd';
}

/** Decompresses a zstd body; the output is bounded by `maxBytes` so a small bomb cannot allocate gigabytes. */
export function decodeBody(body: Buffer, coding: 'zstd' | undefined, maxBytes: number): Buffer {
  if (coding === undefined || body.length === 0) return body;
  try {
    return zstdDecompressSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw new HttpError(400, `cannot decompress zstd request body: ${(err as Error).message}`, { domain: 'winnow' });
  }
}
