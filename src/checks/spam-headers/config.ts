// Config schema of the spam-headers check (`checks.spam-headers`): which verdict headers to add and which forged ones to remove.

import { z } from 'zod';

/** Headers winnow (or a spamd/rspamd before it) writes; an incoming copy is a forgery and is removed from every message. */
export const DEFAULT_REMOVE_HEADERS = ['X-Spam', 'X-Spam-Flag', 'X-Spam-Status', 'X-Spam-Score', 'X-Spam-Level', 'X-Spamd-Result', 'X-Spamd-Bar'];

/** RFC 5322 §3.6.8 field name: printable ASCII except the colon. */
const headerName = z.string().regex(/^[\x21-\x39\x3b-\x7e]+$/, 'expected a header field name (printable ASCII, no colon or space)');

export const spamHeadersConfigSchema = z
  .strictObject({
    /** Removed from every scanned message when present (all occurrences). */
    remove_headers: z.array(headerName).default(DEFAULT_REMOVE_HEADERS),
    add_headers: z
      .strictObject({
        /** `X-Spam: Yes` when the action is `add header` or more severe. */
        spam_flag: z.boolean().default(true),
        /** `X-Spam-Status: Yes|No, score=… required=…` on every scanned message. */
        status: z.boolean().default(true),
        /** rspamd-style `X-Spamd-Result` with every symbol, score and options. */
        result: z.boolean().default(false),
      })
      .prefault({}),
  })
  .prefault({});

export type SpamHeadersConfig = z.output<typeof spamHeadersConfigSchema>;
