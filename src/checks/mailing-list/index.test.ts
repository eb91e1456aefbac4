// Scans hand-written list messages (header sets modelled on what each list manager adds) through the real pipeline.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scanWith } from '../../core/testing.ts';
import { message, type HeaderList } from '../test-messages.ts';
import { MAILING_LIST_SHARED_KEY, mailingListCheck } from './index.ts';
import type { ListInfo } from './detect.ts';

const cases: Array<{ name: string; add: HeaderList; expect: Record<string, string[]> }> = [
  { name: 'a personal message', add: [], expect: {} },
  {
    name: 'Mailman',
    add: [
      ['X-BeenThere', 'devel@lists.example.org'],
      ['X-Mailman-Version', '2.1.39'],
      ['Precedence', 'list'],
      ['List-Id', 'Developers <devel.lists.example.org>'],
      ['List-Unsubscribe', '<https://lists.example.org/mailman/options/devel>, <mailto:devel-request@lists.example.org?subject=unsubscribe>'],
    ],
    expect: { MAILLIST: ['mailman', 'devel.lists.example.org'] },
  },
  {
    name: 'Mailman without List-Id (old versions)',
    add: [['X-Mailman-Version', '2.0.9-sf.net'], ['Precedence', 'bulk']],
    expect: { MAILLIST: ['mailman'] },
  },
  {
    name: 'Google Groups',
    add: [
      ['X-Google-Group-Id', '123456789012'],
      ['List-Id', '<hikers.googlegroups.com>'],
      ['Precedence', 'list'],
    ],
    expect: { MAILLIST: ['googlegroups', 'hikers.googlegroups.com'] },
  },
  {
    name: 'ezmlm',
    add: [
      ['Mailing-List', 'contact users-help@apache.example.org; run by ezmlm'],
      ['Precedence', 'bulk'],
      ['List-Post', '<mailto:users@apache.example.org>'],
      ['List-Unsubscribe', '<mailto:users-unsubscribe@apache.example.org>'],
    ],
    expect: { MAILLIST: ['ezmlm'] },
  },
  {
    name: 'Yahoo Groups',
    add: [['Mailing-List', 'list zzzzteana@yahoogroups.com; contact zzzzteana-owner@yahoogroups.com']],
    expect: { MAILLIST: ['yahoogroups'] },
  },
  {
    name: 'Sympa',
    add: [
      ['List-Id', '<astro.sympa.example.fr>'],
      ['List-Archive', '<https://sympa.example.fr/sympa/arc/astro>'],
      ['X-Loop', 'astro@sympa.example.fr'],
      ['Precedence', 'list'],
    ],
    expect: { MAILLIST: ['sympa', 'astro.sympa.example.fr'] },
  },
  {
    name: 'LISTSERV',
    add: [
      ['Sender', 'Physics Discussion <PHYS-L@LISTS.EXAMPLE.EDU>'],
      ['Received', 'from LISTS.EXAMPLE.EDU by LISTS.EXAMPLE.EDU (LISTSERV-TCP/IP release 16.5) with spool id 123 for PHYS-L@LISTS.EXAMPLE.EDU; Tue, 4 Mar 2025 09:59:00 +0000'],
    ],
    expect: { MAILLIST: ['listserv'] },
  },
  {
    name: 'Majordomo',
    add: [['Sender', 'owner-linux-kernel@vger.example.org'], ['Precedence', 'bulk']],
    expect: { MAILLIST: ['majordomo'] },
  },
  {
    name: 'a generic RFC 2919 list',
    add: [['List-Id', '"Club news" <news.club.example.net>']],
    expect: { MAILLIST: ['generic', 'news.club.example.net'] },
  },
  {
    name: 'Precedence: list with List-Post',
    add: [['Precedence', 'list'], ['List-Post', '<mailto:club@example.net>']],
    expect: { MAILLIST: ['generic'] },
  },
  { name: 'Precedence: list alone', add: [['Precedence', 'list']], expect: {} },
  { name: 'bulk mail without List-Unsubscribe', add: [['Precedence', 'bulk']], expect: { LIST_UNSUB_MISSING: [] } },
  {
    name: 'bulk mail with List-Unsubscribe',
    add: [['Precedence', 'bulk'], ['List-Unsubscribe', '<https://news.example.com/u/1>']],
    expect: {},
  },
];

describe('mailing-list', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await scanWith([mailingListCheck], message({ add: c.add }));
      const got: Record<string, string[]> = {};
      for (const [name, s] of Object.entries(r.symbols)) got[name] = s.options;
      assert.deepEqual(got, c.expect);
    });
  }

  it('shares what it found with later checks', async () => {
    let seen: unknown;
    const probe = {
      name: 'probe',
      description: 'reads the shared list info',
      phase: 'postfilter' as const,
      symbols: {},
      run(task: { shared: Map<string, unknown> }) {
        seen = task.shared.get(MAILING_LIST_SHARED_KEY);
      },
    };
    await scanWith([mailingListCheck, probe], message({ add: [['List-Id', '<a.lists.example.org>']] }));
    assert.deepEqual(seen as ListInfo, { software: 'generic', listId: 'a.lists.example.org' });
  });
});
