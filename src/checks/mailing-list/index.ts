// The mailing-list check: marks mail from list managers (small negative evidence) and bulk mail that offers no way out (RFC 2369, RFC 8058).

import { defineCheck } from '../../core/check.ts';
import { detectList, isBulk } from './detect.ts';

/** Key under which the detected list is shared with later checks (`ListInfo`). */
export const MAILING_LIST_SHARED_KEY = 'mailing-list';

const symbols = {
  MAILLIST: { weight: -0.2, description: 'Message came through a mailing-list manager (option: the software)' },
  LIST_UNSUB_MISSING: { weight: 0.5, description: 'Bulk mail (Precedence: bulk) from no known list manager, without List-Unsubscribe' },
};

type Sym = keyof typeof symbols;

/** A list id is attacker-controlled text; options stay short. */
const MAX_LIST_ID_OPTION_CHARS = 96;

export const mailingListCheck = defineCheck<Sym>({
  name: 'mailing-list',
  description: 'Recognises Mailman, ezmlm, Google Groups, Sympa, LISTSERV, Majordomo and generic RFC 2369/2919 lists',
  phase: 'filter',
  needsMessage: true,
  symbols,
  run(task) {
    const m = task.message;
    if (!m) return;
    const list = detectList(m);
    if (list) {
      task.shared.set(MAILING_LIST_SHARED_KEY, list);
      task.hit('MAILLIST', list.listId ? [list.software, list.listId.slice(0, MAX_LIST_ID_OPTION_CHARS)] : [list.software]);
      return;
    }
    if (isBulk(m) && m.header('list-unsubscribe').length === 0) task.hit('LIST_UNSUB_MISSING');
  },
});
