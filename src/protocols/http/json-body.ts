// Reads small JSON and text request bodies for the controller's edit routes, refusing bad ones with a clear 4xx.

import type { IncomingMessage } from 'node:http';
import { readBody } from './body.ts';
import { HttpError } from './respond.ts';

/** Edits are small (a threshold list, a symbol's weight); anything bigger is not one. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;
/** A list file edited through the UI; larger lists belong in files managed by other means. */
export const MAX_TEXT_BODY_BYTES = 4 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readJsonBody(req: IncomingMessage, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const text = await readTextBody(req, maxBytes);
  if (text.trim() === '') throw new HttpError(400, 'Empty body is not permitted', { code: 'ERR_EMPTY_BODY' });
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, `Cannot parse input: ${(err as Error).message}`, { code: 'ERR_BAD_JSON' });
  }
}

export async function readTextBody(req: IncomingMessage, maxBytes = MAX_TEXT_BODY_BYTES): Promise<string> {
  const raw = await readBody(req, maxBytes);
  try {
    return utf8.decode(raw);
  } catch {
    throw new HttpError(400, 'the body is not valid UTF-8 text', { code: 'ERR_BAD_ENCODING' });
  }
}

/** Methods a route accepts; anything else is 405 with Allow. */
export function requireMethod(req: IncomingMessage, ...methods: string[]): void {
  if (!methods.includes(req.method ?? 'GET')) {
    throw new HttpError(405, `${req.method} is not allowed here; use ${methods.join(' or ')}`, { code: 'ERR_METHOD_NOT_ALLOWED', headers: { Allow: methods.join(', ') } });
  }
}

/** A non-negative integer query parameter, bounded; undefined when absent; 400 naming it when malformed. */
export function intParam(url: URL, name: string, max: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  if (!/^\d{1,9}$/.test(raw.trim())) throw new HttpError(400, `${name} must be a whole number, got ${JSON.stringify(raw.slice(0, 40))}`, { code: 'ERR_BAD_REQUEST', field: name });
  return Math.min(Number(raw.trim()), max);
}
