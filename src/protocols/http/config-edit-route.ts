// Threshold and weight edits: rspamd's POST /saveactions and /savesymbols, winnow's PUT /api/actions and /api/symbols/<NAME>; validated, written to the config file, applied by a reload.

import { ConfigEditError, THRESHOLD_KEYS, type ThresholdKey } from '../../config/config-edit.ts';
import type { ControllerDeps, ControllerRoute, RouteContext } from './controller-types.ts';
import { readJsonBody, requireMethod } from './json-body.ts';
import { HttpError, sendJson, type FieldProblem } from './respond.ts';

/** rspamd's /saveactions array order (controller.c): reject, rewrite subject, add header, greylist; winnow reads a 5th as soft reject. */
export const SAVEACTIONS_ORDER: readonly ThresholdKey[] = ['reject', 'rewrite_subject', 'add_header', 'greylist', 'soft_reject'];
const RSPAMD_ACTIONS_LENGTH = 4;

function invalid(message: string, fields: FieldProblem[], code = 'ERR_INVALID_INPUT'): HttpError {
  return new HttpError(400, message, { code, fields });
}

/** A threshold as sent: a finite number or null (action off). Strings, booleans, NaN are refused, not coerced. */
function thresholdValue(v: unknown): number | null | undefined {
  if (v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return undefined;
}

/** `PUT /api/actions` body → the keys it sets; every wrong field is named. */
export function parseActionsObject(body: unknown): Partial<Record<ThresholdKey, number | null>> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(`expected a JSON object with some of ${THRESHOLD_KEYS.join(', ')}`, []);
  }
  const out: Partial<Record<ThresholdKey, number | null>> = {};
  const problems: FieldProblem[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (!(THRESHOLD_KEYS as readonly string[]).includes(k)) {
      problems.push({ field: k, message: `unknown threshold; expected one of ${THRESHOLD_KEYS.join(', ')}` });
      continue;
    }
    const t = thresholdValue(v);
    if (t === undefined) problems.push({ field: k, message: `must be a number or null (off), got ${JSON.stringify(v)}` });
    else out[k as ThresholdKey] = t;
  }
  if (problems.length > 0) throw invalid(problems[0].message, problems);
  if (Object.keys(out).length === 0) throw invalid(`nothing to change: give some of ${THRESHOLD_KEYS.join(', ')}`, []);
  return out;
}

/** rspamd's `/saveactions` array → the keys it sets. */
export function parseActionsArray(body: unknown): Partial<Record<ThresholdKey, number | null>> {
  if (!Array.isArray(body) || body.length < RSPAMD_ACTIONS_LENGTH || body.length > SAVEACTIONS_ORDER.length) {
    throw invalid(`expected a JSON array [reject, rewrite subject, add header, greylist] (optionally a 5th: soft reject) of numbers or null`, []);
  }
  const out: Partial<Record<ThresholdKey, number | null>> = {};
  const problems: FieldProblem[] = [];
  body.forEach((v, i) => {
    const t = thresholdValue(v);
    if (t === undefined) problems.push({ field: SAVEACTIONS_ORDER[i], message: `must be a number or null (off), got ${JSON.stringify(v)}` });
    else out[SAVEACTIONS_ORDER[i]] = t;
  });
  if (problems.length > 0) throw invalid(problems[0].message, problems);
  return out;
}

/** `/savesymbols` `[{name, value}]` → weights; names must be declared symbols, values finite numbers. */
export function parseWeightList(body: unknown, known: (name: string) => boolean): Record<string, number> {
  if (!Array.isArray(body) || body.length === 0) throw invalid('expected a non-empty JSON array [{"name": SYMBOL, "value": weight}]', []);
  const out: Record<string, number> = {};
  const problems: FieldProblem[] = [];
  body.forEach((item, i) => {
    const name = (item as { name?: unknown } | null)?.name;
    const value = (item as { value?: unknown } | null)?.value;
    if (typeof name !== 'string' || name === '') return void problems.push({ field: `[${i}].name`, message: 'missing symbol name' });
    if (!known(name)) return void problems.push({ field: name, message: `unknown symbol ${name}` });
    if (typeof value !== 'number' || !Number.isFinite(value)) return void problems.push({ field: name, message: `weight must be a finite number, got ${JSON.stringify(value)}` });
    out[name] = value;
  });
  if (problems.length > 0) throw invalid(problems[0].message, problems);
  return out;
}

export function configEditRoutes(deps: ControllerDeps): [string, ControllerRoute][] {
  const known = (name: string) => deps.scanner.engine.symbols.has(name);

  /** Writes through the editor, then reloads; answers what happened. Refusals become 400 with the fields named. */
  const apply = async (c: RouteContext, write: (editor: NonNullable<ControllerDeps['config']>) => Promise<void>, what: string) => {
    const editor = deps.config;
    if (!editor) throw new HttpError(409, 'the daemon runs on built-in defaults: start it with --config FILE to save changes', { code: 'ERR_NO_CONFIG_FILE' });
    try {
      await write(editor);
    } catch (err) {
      if (err instanceof ConfigEditError) {
        const status = err.code === 'ERR_CONFIG_BUSY' ? 409 : err.code === 'ERR_CONFIG_UNREADABLE' ? 500 : 400;
        throw new HttpError(status, err.message, { code: err.code, fields: err.fields });
      }
      const code = (err as NodeJS.ErrnoException).code;
      deps.log.error({ err: String(err), path: editor.path }, 'cannot write the config file');
      throw new HttpError(500, `cannot write ${editor.path}: ${code ?? (err as Error).message}`, { code: 'ERR_CONFIG_WRITE' });
    }
    deps.log.info({ peer: c.req.socket.remoteAddress, what, path: editor.path }, 'configuration changed through the controller');
    const reload = deps.reload ? await deps.reload() : undefined;
    if (reload && !reload.ok) deps.log.error({ err: reload.error }, 'saved, but the reload failed; the running configuration stays');
    // The connection may belong to a worker that is being replaced: the client's next request goes to a new one.
    c.res.setHeader('Connection', 'close');
    sendJson(c.res, 200, {
      success: true,
      applied: reload?.ok ?? false,
      generation: reload?.generation,
      ...(reload === undefined ? { note: 'saved; send SIGHUP to the daemon (or restart it) to apply' } : {}),
      ...(reload && !reload.ok ? { error: `saved, but not applied: ${reload.error}` } : {}),
    });
  };

  const saveActions: ControllerRoute = {
    privileged: true,
    async handle(c) {
      requireMethod(c.req, 'POST', 'PUT');
      const values = parseActionsArray(await readJsonBody(c.req));
      await apply(c, (e) => e.setActions(values), 'actions');
    },
  };
  const saveSymbols: ControllerRoute = {
    privileged: true,
    async handle(c) {
      requireMethod(c.req, 'POST', 'PUT');
      const weights = parseWeightList(await readJsonBody(c.req), known);
      await apply(c, (e) => e.setWeights(weights), 'symbols');
    },
  };
  const apiActions: ControllerRoute = {
    privileged: (method) => method !== 'GET' && method !== 'HEAD',
    api: true,
    async handle(c) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const t = deps.scanner.engine.config.actions;
        sendJson(c.res, 200, { reject: t.reject, soft_reject: t['soft reject'], rewrite_subject: t['rewrite subject'], add_header: t['add header'], greylist: t.greylist });
        return;
      }
      requireMethod(c.req, 'PUT', 'POST');
      const values = parseActionsObject(await readJsonBody(c.req));
      await apply(c, (e) => e.setActions(values), 'actions');
    },
  };
  const apiSymbol: ControllerRoute = {
    privileged: (method) => method !== 'GET' && method !== 'HEAD',
    api: true,
    async handle(c) {
      const name = c.params[0];
      if (c.params.length !== 1 || !name) throw new HttpError(404, 'name the symbol: /api/symbols/<NAME>', { code: 'ERR_NOT_FOUND' });
      const s = deps.scanner.engine.symbols.get(name);
      if (!s) throw new HttpError(404, `unknown symbol ${name}`, { code: 'ERR_UNKNOWN_SYMBOL', field: 'name' });
      if (c.req.method === 'GET' || c.req.method === 'HEAD') return sendJson(c.res, 200, s);
      requireMethod(c.req, 'PUT', 'POST');
      const body = await readJsonBody(c.req);
      const weight = (body as { weight?: unknown } | null)?.weight;
      if (typeof weight !== 'number' || !Number.isFinite(weight)) {
        throw invalid(`weight must be a finite number, got ${JSON.stringify(weight)}`, [{ field: 'weight', message: 'must be a finite number' }]);
      }
      await apply(c, (e) => e.setWeights({ [name]: weight }), `symbol ${name}`);
    },
  };
  return [
    ['saveactions', saveActions],
    ['savesymbols', saveSymbols],
    ['api/actions', apiActions],
    ['api/symbols', apiSymbol],
  ];
}
