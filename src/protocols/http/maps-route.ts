// The list files (multimap maps, greylist whitelists): rspamd's GET /maps, /getmap and POST /savemap, winnow's /api/maps; edits validated by the list's own parser, then written atomically.

import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { ControllerDeps, ControllerRoute, EditableMap, RouteContext } from './controller-types.ts';
import { readTextBody, requireMethod } from './json-body.ts';
import { HttpError, send, sendJson, type LineProblem } from './respond.ts';

/** Problems listed per refused edit; past that the first ones are enough to fix the file. */
export const MAX_REPORTED_LINES = 20;
/** A new list file gets these permissions (the daemon's other files are private too). */
const NEW_FILE_MODE = 0o640;

/**
 * Every bad line of `text` by the list's own parser, which stops at the first: each bad line found is blanked and the
 * text parsed again, up to MAX_REPORTED_LINES. Errors without a line number are reported as line 0.
 */
export function lineProblems(text: string, parse: (text: string) => unknown): LineProblem[] {
  const lines = text.split('\n');
  const out: LineProblem[] = [];
  while (out.length < MAX_REPORTED_LINES) {
    try {
      parse(lines.join('\n'));
      return out;
    } catch (err) {
      const line = (err as { line?: unknown }).line;
      const message = (err as Error).message.replace(/^line \d+: /, '');
      if (typeof line !== 'number' || line < 1 || line > lines.length || lines[line - 1] === '') {
        out.push({ line: 0, message });
        return out;
      }
      out.push({ line, message });
      lines[line - 1] = '';
    }
  }
  return out;
}

export function mapJson(m: EditableMap): Record<string, unknown> {
  return { map: m.id, id: String(m.id), uri: m.path, description: m.description, editable: m.editable, type: m.type, ...(m.symbol ? { symbol: m.symbol } : {}) };
}

async function readMap(m: EditableMap): Promise<string> {
  try {
    return await readFile(m.path, 'utf8');
  } catch (err) {
    // An optional list that does not exist yet reads as empty: saving it creates the file.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new HttpError(500, `cannot read ${m.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { code: 'ERR_MAP_READ' });
  }
}

/** Beside the file, then renamed over it: the watchers of every worker see one complete new version. */
async function writeMap(path: string, text: string): Promise<void> {
  const mode = await stat(path).then((s) => s.mode & 0o7777, () => NEW_FILE_MODE);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, text, { mode });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new HttpError(500, `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { code: 'ERR_MAP_WRITE' });
  }
}

export function mapsRoutes(deps: ControllerDeps): [string, ControllerRoute][] {
  const list = () => deps.maps?.() ?? [];
  const find = (raw: string | undefined, field: string): EditableMap => {
    if (raw === undefined || raw.trim() === '') throw new HttpError(400, 'Map id not specified', { code: 'ERR_BAD_REQUEST', field });
    if (!/^\d+$/.test(raw.trim())) throw new HttpError(400, 'Map id is invalid', { code: 'ERR_BAD_REQUEST', field });
    const m = list().find((x) => x.id === Number(raw.trim()));
    if (!m) throw new HttpError(404, 'Map id not found', { code: 'ERR_NOT_FOUND', field });
    return m;
  };
  const sendMapText = async (c: RouteContext, m: EditableMap) => send(c.res, 200, await readMap(m), 'text/plain; charset=utf-8', { headers: { 'Cache-Control': 'no-store' } });
  const save = async (c: RouteContext, m: EditableMap) => {
    if (!m.editable) throw new HttpError(403, `${m.path} is not editable here`, { code: 'ERR_MAP_READ_ONLY' });
    const text = await readTextBody(c.req);
    const lines = lineProblems(text, m.parse);
    if (lines.length > 0) {
      const first = lines[0];
      throw new HttpError(400, first.line > 0 ? `line ${first.line}: ${first.message}` : first.message, { code: 'ERR_MAP_INVALID', field: 'content', lines });
    }
    await writeMap(m.path, text);
    deps.log.info({ peer: c.req.socket.remoteAddress, map: m.id, path: m.path, bytes: Buffer.byteLength(text) }, 'list file saved through the controller');
    // This worker reloads now; the others see the rename through their file watchers within the debounce time.
    await deps.reloadMapFile?.(m.path).catch((err: unknown) => deps.log.warn({ path: m.path, err: String(err) }, 'saved list not reloaded at once'));
    sendJson(c.res, 200, { success: true });
  };

  return [
    ['maps', { privileged: false, handle: async (c) => sendJson(c.res, 200, list().map(mapJson)) }],
    ['getmap', { privileged: false, handle: async (c) => sendMapText(c, find(c.bag('Map')[0], 'Map')) }],
    [
      'savemap',
      {
        privileged: true,
        async handle(c) {
          requireMethod(c.req, 'POST', 'PUT');
          await save(c, find(c.bag('Map')[0], 'Map'));
        },
      },
    ],
    [
      'api/maps',
      {
        privileged: (method) => method !== 'GET' && method !== 'HEAD',
        api: true,
        async handle(c) {
          if (c.params.length === 0) {
            requireMethod(c.req, 'GET', 'HEAD');
            return sendJson(c.res, 200, list().map(mapJson));
          }
          if (c.params.length > 1) throw new HttpError(404, 'not found', { code: 'ERR_NOT_FOUND' });
          const m = find(c.params[0], 'id');
          if (c.req.method === 'GET' || c.req.method === 'HEAD') return sendMapText(c, m);
          requireMethod(c.req, 'PUT', 'POST');
          await save(c, m);
        },
      },
    ],
  ];
}
