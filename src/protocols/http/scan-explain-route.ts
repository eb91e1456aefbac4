// POST /api/scan: scans a pasted or uploaded message and answers the checkv2 result together with its explanation (symbols, Bayes tokens, what if).

import type { ScanRequest } from '../../core/types.ts';
import { parseMessage } from '../../mime/parse.ts';
import { decodeBody, readBody, requestCoding } from './body.ts';
import type { ControllerDeps, ControllerRoute } from './controller-types.ts';
import { BAYES_VERDICT_SYMBOLS, explain, type BayesExplanation } from './explain.ts';
import { requireMethod } from './json-body.ts';
import { toCheckV2Reply } from './reply-json.ts';
import { mapRequestHeaders } from './request-headers.ts';
import { HttpError, sendJson } from './respond.ts';

/** The classifier's view of the message, re-computed: probability and the tokens that pushed it most. */
async function bayesEvidence(deps: ControllerDeps, request: ScanRequest, symbols: Record<string, unknown>): Promise<BayesExplanation | null> {
  const bayes = deps.bayes;
  if (!bayes || !request.message) return null;
  try {
    const message = await parseMessage(request.message, deps.scanner.engine.config.limits);
    const v = await bayes.classify(message, { user: bayes.userFor(request) });
    if (!v.active) return null;
    const symbol = BAYES_VERDICT_SYMBOLS.find((s) => s in symbols) ?? 'BAYES_UNSURE';
    return { symbol, probability: v.probability, tokens: v.topTokens };
  } catch (err) {
    deps.log.warn({ err: String(err) }, 'bayes explanation unavailable');
    return null;
  }
}

export function scanExplainRoutes(deps: ControllerDeps): [string, ControllerRoute][] {
  const route: ControllerRoute = {
    privileged: false,
    api: true,
    async handle(c) {
      requireMethod(c.req, 'POST', 'PUT');
      const mapped = mapRequestHeaders(c.bag);
      if (!mapped.ok) throw new HttpError(400, mapped.error, { code: 'ERR_BAD_REQUEST' });
      const body = decodeBody(await readBody(c.req, deps.maxMessageBytes), requestCoding(c.bag), deps.maxMessageBytes);
      if (body.length === 0) throw new HttpError(400, 'no message: paste or upload one as the request body', { code: 'ERR_EMPTY_MESSAGE', field: 'message' });
      const request: ScanRequest = { ...mapped.request, message: body };
      const result = await deps.scanner.scan(request);
      const engine = deps.scanner.engine;
      const explanation = explain(
        { score: result.score, action: result.action, thresholds: result.thresholds, symbols: Object.values(result.symbols), forcedBy: result.forced?.module },
        (name) => engine.symbols.get(name),
        await bayesEvidence(deps, request, result.symbols),
      );
      // The explanation's `symbols` list (with weights, groups, descriptions) replaces checkv2's name-keyed object.
      sendJson(c.res, 200, { ...toCheckV2Reply(result), ...explanation });
    },
  };
  return [['api/scan', route]];
}
