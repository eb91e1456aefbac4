// The built-in checks, in declaration order (the scheduler re-orders them by measured cost and usefulness).

import type { AnyCheck } from '../core/check.ts';
import { bayesCheck } from './bayes/index.ts';
import { chartableCheck } from './chartable/index.ts';
import { greylistCheck } from './greylist/index.ts';
import { gtubeCheck } from './gtube/index.ts';
import { headerSanityCheck } from './header-sanity/index.ts';
import { mailingListCheck } from './mailing-list/index.ts';
import { mimeStructureCheck } from './mime-structure/index.ts';
import { multimapCheck } from './multimap/multimap.ts';
import { ratelimitCheck } from './ratelimit/index.ts';
import { rulesCheck } from './rules/rules.ts';
import { spamHeadersCheck } from './spam-headers/index.ts';
import { spamdCheck } from './spamd/index.ts';
import { spamdRepliesCheck } from './spamd/reply-recorder.ts';
import { spfCheck } from './spf/index.ts';
import { subjectCheck } from './subject/index.ts';

export const builtinChecks: readonly AnyCheck[] = [
  spfCheck,
  gtubeCheck,
  multimapCheck,
  headerSanityCheck,
  mimeStructureCheck,
  subjectCheck,
  chartableCheck,
  mailingListCheck,
  rulesCheck,
  bayesCheck,
  ratelimitCheck,
  greylistCheck,
  spamdCheck,
  spamdRepliesCheck,
  spamHeadersCheck,
];
