// The spam-headers check: adds winnow's verdict headers (X-Spam, X-Spam-Status, X-Spamd-Result) and removes forged copies, like rspamd's milter_headers.

import { severity } from '../../core/actions.ts';
import { defineCheck } from '../../core/check.ts';
import { spamHeadersConfigSchema, type SpamHeadersConfig } from './config.ts';
import { spamdResult, spamStatus } from './format.ts';

export const SPAM_HEADERS_CHECK_NAME = 'spam-headers';

export const spamHeadersCheck = defineCheck<never, SpamHeadersConfig>({
  name: SPAM_HEADERS_CHECK_NAME,
  description: 'Adds X-Spam / X-Spam-Status / X-Spamd-Result headers from the verdict and removes forged copies from the message',
  phase: 'postfilter',
  // Last of the postfilter phase, so the headers report the verdict greylisting may still change.
  dependsOn: ['greylist'],
  // Envelope-only scans (policy, SMTP front) have no message to put headers in.
  needsMessage: true,
  // A quarantined or rejected-then-released message must not keep a forged X-Spam either.
  runsAfterEarlyExit: true,
  configSchema: spamHeadersConfigSchema,
  symbols: {},
  run(task, _state, config) {
    const m = task.message;
    if (!m) return;
    for (const name of config.remove_headers) if (m.header(name).length > 0) task.removeHeader(name, 0);
    const add = config.add_headers;
    if (!add.spam_flag && !add.status && !add.result) return;
    const v = task.currentVerdict();
    const isSpam = severity(v.action) >= severity('add header');
    if (add.spam_flag && isSpam) task.addHeader('X-Spam', 'Yes');
    if (add.status) task.addHeader('X-Spam-Status', spamStatus(isSpam, v.score, v.requiredScore));
    if (add.result) task.addHeader('X-Spamd-Result', spamdResult(isSpam, v.score, v.requiredScore, task.currentSymbols()));
  },
});
