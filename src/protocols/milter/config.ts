// The `milter:` block of the config file (docs/milter.md): listener, fail-safe, size limit, reply texts and how local senders are treated.

import { z } from 'zod';
import { byteSize, cidr, listenerSchema } from '../../config/fields.ts';

export const DEFAULT_MILTER_LISTEN = '127.0.0.1:11332';
/** A scan slower than this gets `fail_action`; Postfix's milter_content_timeout (300 s) is far above. */
export const DEFAULT_MILTER_TIMEOUT_MS = 30_000;
/** Keep-alive while a scan runs; must stay under Postfix's milter_content_timeout. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;
/** Above Postfix's default message_size_limit (10 MB), so by default every message Postfix takes is scanned. */
export const DEFAULT_MILTER_MAX_MESSAGE_BYTES = 50 * 1024 * 1024;
export const DEFAULT_REJECT_MESSAGE = 'Spam message rejected';
export const DEFAULT_TEMPFAIL_MESSAGE = 'Try again later';
export const DEFAULT_QUARANTINE_REASON = 'winnow: quarantined';

/** Reply texts go into an SMTP reply line: no control characters. */
const replyText = z.string().min(1).regex(/^[^\x00-\x1f\x7f]*$/, 'must be one line without control characters');

export const milterConfigSchema = listenerSchema(DEFAULT_MILTER_LISTEN)
  .extend({
    /** A scan slower than this gets `fail_action`. */
    timeout_ms: z.number().int().positive().default(DEFAULT_MILTER_TIMEOUT_MS),
    /** Answer when a scan fails, times out or loses checks: accept the mail or tempfail it. */
    fail_action: z.enum(['accept', 'tempfail']).default('accept'),
    /** SMFIR_PROGRESS is sent this often while a scan runs. */
    progress_interval_ms: z.number().int().positive().default(DEFAULT_PROGRESS_INTERVAL_MS),
    /** Messages larger than this are not buffered nor scanned; `size_action` answers them. */
    max_message_size: byteSize.default(DEFAULT_MILTER_MAX_MESSAGE_BYTES),
    size_action: z.enum(['accept', 'tempfail', 'reject']).default('accept'),
    /** 5xx text when no check gave one (enhanced code 5.7.1 unless the text has its own). */
    reject_message: replyText.default(DEFAULT_REJECT_MESSAGE),
    /** 4xx text for greylist / soft reject when no check gave one (4.7.1). */
    tempfail_message: replyText.default(DEFAULT_TEMPFAIL_MESSAGE),
    /** `reject` silently drops the message instead (rspamd proxy's discard_on_reject). */
    discard_on_reject: z.boolean().default(false),
    /** `reject` puts the message in the MTA's hold queue instead (wins over discard_on_reject). */
    quarantine_on_reject: z.boolean().default(false),
    quarantine_reason: replyText.default(DEFAULT_QUARANTINE_REASON),
    /** SASL-authenticated senders: `scan`, `skip` (accept unscanned) or the name of a settings profile to scan with. */
    authenticated: z.string().min(1).default('scan'),
    /** Client networks treated like authenticated senders (your Postfix mynetworks). */
    local_networks: z.array(cidr).default([]),
    /** Settings profile for every other message. */
    settings_id: z.string().min(1).optional(),
  })
  // Parsed, so the defaults above fill an absent block too.
  .prefault({});

export type MilterConfig = z.output<typeof milterConfigSchema>;
