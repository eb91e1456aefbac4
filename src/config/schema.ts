// The configuration file's schema (YAML, snake_case keys): every default lives here or in a check's own schema.

import { z } from 'zod';
import { DEFAULT_THRESHOLDS } from '../core/actions.ts';
import { DEFAULT_MIME_LIMITS } from '../mime/model.ts';
import { dnsConfigSchema } from '../dns/config.ts';
import { storeConfigSchema } from '../storage/config.ts';
import { byteSize, listenAddress, listenerSchema } from './fields.ts';
import { POLICY_STATES } from '../protocols/policy/request.ts';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_SCAN_TIMEOUT_MS } from '../protocols/policy/server.ts';
import { milterConfigSchema } from '../protocols/milter/config.ts';
import { smtpFrontSchema } from '../protocols/smtp-front/config.ts';

// Kept importable from here: they moved to fields.ts so protocol blocks can use them without an import cycle.
export { byteSize, listenAddress, listenerSchema };

const threshold = z.number().finite().nullable();

export const actionsSchema = z
  .strictObject({
    reject: threshold.default(DEFAULT_THRESHOLDS.reject),
    soft_reject: threshold.default(DEFAULT_THRESHOLDS['soft reject']),
    rewrite_subject: threshold.default(DEFAULT_THRESHOLDS['rewrite subject']),
    add_header: threshold.default(DEFAULT_THRESHOLDS['add header']),
    greylist: threshold.default(DEFAULT_THRESHOLDS.greylist),
  })
  .default({
    reject: DEFAULT_THRESHOLDS.reject,
    soft_reject: DEFAULT_THRESHOLDS['soft reject'],
    rewrite_subject: DEFAULT_THRESHOLDS['rewrite subject'],
    add_header: DEFAULT_THRESHOLDS['add header'],
    greylist: DEFAULT_THRESHOLDS.greylist,
  });

const symbolName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'symbol names are UPPER_SNAKE_CASE');

const settingsProfileSchema = z.strictObject({
  checks_enabled: z.array(z.string()).optional(),
  checks_disabled: z.array(z.string()).optional(),
  symbols_disabled: z.array(z.string()).optional(),
  groups_disabled: z.array(z.string()).optional(),
  symbols: z.record(z.string(), z.number().finite()).optional(),
  actions: z
    .strictObject({
      reject: threshold.optional(),
      soft_reject: threshold.optional(),
      rewrite_subject: threshold.optional(),
      add_header: threshold.optional(),
      greylist: threshold.optional(),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  /** Where the SQLite store and other state live; created on start. */
  data_dir: z.string().min(1).optional(),
  /** Worker processes: `auto` = one per core. */
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).default('auto'),
  log: z
    .strictObject({
      level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    })
    .default({ level: 'info' }),
  dns: dnsConfigSchema.prefault({}),
  store: storeConfigSchema,
  http: listenerSchema('127.0.0.1:11333')
    .extend({ max_message_size: byteSize.default(DEFAULT_MIME_LIMITS.maxMessageBytes) })
    .default({ enabled: true, listen: ['127.0.0.1:11333'], max_message_size: DEFAULT_MIME_LIMITS.maxMessageBytes }),
  controller: listenerSchema('127.0.0.1:11334')
    .extend({
      password: z.string().min(1).optional(),
      enable_password: z.string().min(1).optional(),
      secure_ip: z.array(z.string()).default(['127.0.0.1/32', '::1/128']),
    })
    .default({ enabled: true, listen: ['127.0.0.1:11334'], secure_ip: ['127.0.0.1/32', '::1/128'] }),
  /** Postfix policy delegation (docs/policy.md); on by default like every listener, on loopback. */
  policy: listenerSchema('127.0.0.1:10040')
    .extend({
      /** `protocol_state`s that are scanned; others are answered DUNNO without a scan. */
      protocol_states: z.array(z.enum(POLICY_STATES)).min(1).default(['RCPT']),
      /** Settings profile applied to every policy request (e.g. one enabling only envelope checks). */
      settings_id: z.string().min(1).optional(),
      /** A scan slower than this gets `fail_action`. */
      timeout_ms: z.number().int().positive().default(DEFAULT_SCAN_TIMEOUT_MS),
      /** Idle connections are closed after this. */
      idle_timeout_ms: z.number().int().positive().default(DEFAULT_IDLE_TIMEOUT_MS),
      /** Answer when a scan fails, times out or loses checks (a store outage): accept (DUNNO) or try later (DEFER). */
      fail_action: z.enum(['DUNNO', 'DEFER']).default('DUNNO'),
    })
    .default({
      enabled: true,
      listen: ['127.0.0.1:10040'],
      protocol_states: ['RCPT'],
      timeout_ms: DEFAULT_SCAN_TIMEOUT_MS,
      idle_timeout_ms: DEFAULT_IDLE_TIMEOUT_MS,
      fail_action: 'DUNNO',
    }),
  /** Milter for Postfix/Sendmail (docs/milter.md); on by default like every listener, on loopback. */
  milter: milterConfigSchema,
  /** SMTP front before the real MTA, like OpenBSD spamd (docs/smtp-front.md); on by default, on loopback. */
  smtp_front: smtpFrontSchema.prefault({}),
  actions: actionsSchema,
  subject_template: z.string().includes('%s', { message: "must contain '%s' where the original subject goes" }).default('***SPAM*** %s'),
  groups: z
    .record(
      z.string(),
      z.strictObject({ max_score: z.number().finite().nonnegative().optional(), min_score: z.number().finite().nonpositive().optional() }),
    )
    .default({}),
  symbols: z
    .record(
      symbolName,
      z.strictObject({ weight: z.number().finite().optional(), description: z.string().optional(), group: z.string().optional() }),
    )
    .default({}),
  composites: z
    .record(
      symbolName,
      z.strictObject({
        expression: z.string().min(1),
        weight: z.number().finite(),
        description: z.string().optional(),
        group: z.string().optional(),
      }),
    )
    .default({}),
  settings: z.record(z.string(), settingsProfileSchema).default({}),
  limits: z
    .strictObject({
      max_message_size: byteSize.default(DEFAULT_MIME_LIMITS.maxMessageBytes),
      max_mime_depth: z.number().int().min(1).max(1000).default(DEFAULT_MIME_LIMITS.maxMimeDepth),
      max_parts: z.number().int().min(1).max(100_000).default(DEFAULT_MIME_LIMITS.maxParts),
      max_header_size: byteSize.default(DEFAULT_MIME_LIMITS.maxHeaderBytes),
    })
    .default({
      max_message_size: DEFAULT_MIME_LIMITS.maxMessageBytes,
      max_mime_depth: DEFAULT_MIME_LIMITS.maxMimeDepth,
      max_parts: DEFAULT_MIME_LIMITS.maxParts,
      max_header_size: DEFAULT_MIME_LIMITS.maxHeaderBytes,
    }),
  /** Per-check blocks: `enabled` plus the check's own keys, validated by the check's schema. */
  checks: z.record(z.string(), z.record(z.string(), z.unknown()).nullable()).default({}),
});

export type FileConfig = z.infer<typeof configSchema>;
