// The controller's rspamd-compatible learn commands, POST /learnspam and /learnham (PROTOCOLS.md §3.6): message in, the classifier service's outcome as rspamd's reply out.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/context.ts';
import type { BayesService } from '../../classifier/service-types.ts';
import type { MimeLimits } from '../../mime/model.ts';
import { parseMessage } from '../../mime/parse.ts';
import type { TokenClass } from '../../storage/interfaces.ts';
import { decodeBody, readBody, requestCoding } from './body.ts';
import { mapRequestHeaders, type HeaderBag } from './request-headers.ts';
import { HttpError, SERVER_HEADER, sendJson } from './respond.ts';

/** The name rspamc's `-c` / the `Classifier:` header uses for the one classifier winnow has. */
export const CLASSIFIER_NAME = 'bayes';

export interface LearnDeps {
  /** Undefined when the bayes check is disabled. */
  bayes?: BayesService;
  log: Logger;
  maxMessageBytes: number;
  limits?: Partial<MimeLimits>;
  /** Counts `learned` and `learned:<class>` so /stat's `learned` rises. */
  count?(deltas: Record<string, number>): void;
}

/** rspamd's text for a message it has learned before (rspamd prints `<undef>` when there is no Message-ID). */
export function alreadyLearnedText(messageId: string | undefined, cls: TokenClass): string {
  return `<${messageId ?? 'undef'}> has been already learned as ${cls}, ignore it`;
}

export function tooFewTokensText(messageId: string | undefined, tokens: number, min: number): string {
  return `<${messageId ?? 'undef'}> contains less tokens than required for ${CLASSIFIER_NAME} classifier: ${tokens} < ${min}`;
}

/** 204 carries its explanation in the status line only: the status forbids a body. */
function sendNoContent(res: ServerResponse, reason: string): void {
  res.statusCode = 204;
  res.statusMessage = reason.replace(/[^\x20-\x7e]/g, ' ').slice(0, 120);
  res.setHeader('Server', SERVER_HEADER);
  res.end();
}

export async function handleLearn(req: IncomingMessage, res: ServerResponse, bag: HeaderBag, cls: TokenClass, deps: LearnDeps): Promise<void> {
  if (req.method !== 'POST' && req.method !== 'PUT') {
    throw new HttpError(405, `learn commands need a POST with the message as body, not ${req.method}`, { headers: { Allow: 'POST' } });
  }
  const bayes = deps.bayes;
  if (!bayes) throw new HttpError(501, 'learning is not available: the bayes check is disabled');
  const classifier = bag('Classifier')[0]?.trim().toLowerCase();
  if (classifier && classifier !== CLASSIFIER_NAME && classifier !== bayes.model) throw new HttpError(404, `Unknown classifier: ${classifier}`);
  const mapped = mapRequestHeaders(bag);
  if (!mapped.ok) throw new HttpError(400, mapped.error);
  const body = decodeBody(await readBody(req, deps.maxMessageBytes), requestCoding(bag), deps.maxMessageBytes);
  if (body.length === 0) throw new HttpError(400, 'learn needs a message as the request body');
  const message = await parseMessage(body, deps.limits);
  const user = bayes.userFor(mapped.request);
  const outcome = await bayes.learn(message, cls, { user });
  deps.log.info({ cls, outcome, messageId: message.messageId, user }, 'learn request');
  switch (outcome) {
    case 'learned':
    case 'relearned':
      deps.count?.({ learned: 1, [`learned:${cls}`]: 1 });
      sendJson(res, 200, { success: true });
      return;
    case 'already':
      // rspamd 3.4 answers 208 Already Reported; rspamc reports it as an error with this text.
      throw new HttpError(208, alreadyLearnedText(message.messageId, cls));
    case 'too-few-tokens':
      sendNoContent(res, tooFewTokensText(message.messageId, bayes.tokenCount(message), bayes.minTokens));
      return;
    default:
      // unlearned / not-learned only answer unlearn requests, which this route never makes.
      throw new HttpError(500, `unexpected learn outcome ${outcome}`);
  }
}
