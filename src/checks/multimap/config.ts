// Config schema of the multimap check: one entry per list, each becoming a symbol.

import { z } from 'zod';
import { ACTIONS } from '../../core/types.ts';
import { DEFAULT_POLL_INTERVAL_MS, DEFAULT_RELOAD_DEBOUNCE_MS } from '../../maps/watched-file.ts';

/** Targets a map can look at; `header:<Name>` is accepted too. */
export const MAP_TARGETS = [
  'client_ip',
  'helo',
  'hostname',
  'mail_from',
  'mail_from_domain',
  'rcpt',
  'rcpt_domain',
  'from',
  'from_domain',
  'user',
] as const;
export type MapTarget = (typeof MAP_TARGETS)[number] | `header:${string}`;

/** `cidr` is an alias of `ip`; `header-regex` is `regex` over a `header:<Name>` target. */
export const MAP_TYPES = ['ip', 'cidr', 'domain', 'email', 'regex', 'header-regex'] as const;

const HEADER_NAME = /^[!-9;-~]+$/; // RFC 5322 field-name: printable ASCII except ':'

const targetSchema = z.string().refine(
  (t) => (MAP_TARGETS as readonly string[]).includes(t) || (t.startsWith('header:') && HEADER_NAME.test(t.slice(7))),
  { message: `expected one of ${MAP_TARGETS.join(', ')} or header:<Name>` },
);

const mapSchema = z
  .strictObject({
    symbol: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected an UPPER_SNAKE symbol name'),
    type: z.enum(MAP_TYPES),
    /** Path of the map file, relative to the config file's directory. */
    source: z.string().min(1),
    /** Defaults to client_ip for ip/cidr maps; required otherwise. */
    target: targetSchema.optional(),
    weight: z.number(),
    description: z.string().optional(),
    group: z.string().optional(),
    /** Forces this action when the map matches (e.g. `reject`, or `no action` for a whitelist). */
    action: z.enum(ACTIONS).optional(),
    /** SMTP reply text sent with a forced action. */
    message: z.string().optional(),
    /** A missing file is an empty list (watched until it appears) instead of a startup error. */
    optional: z.boolean().default(false),
  })
  .superRefine((m, ctx) => {
    if (m.target === undefined && m.type !== 'ip' && m.type !== 'cidr') {
      ctx.addIssue({ code: 'custom', path: ['target'], message: `a ${m.type} map needs a target` });
    }
    if (m.type === 'header-regex' && !m.target?.startsWith('header:')) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'a header-regex map needs a header:<Name> target' });
    }
  });

export const multimapConfigSchema = z
  .strictObject({
    maps: z.array(mapSchema).default([]),
    /** Stat fallback period for map files, in milliseconds. */
    poll_interval_ms: z.number().int().positive().default(DEFAULT_POLL_INTERVAL_MS),
    /** Quiet time after a change before reloading, in milliseconds. */
    debounce_ms: z.number().int().nonnegative().default(DEFAULT_RELOAD_DEBOUNCE_MS),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.maps.forEach((m, i) => {
      if (seen.has(m.symbol)) ctx.addIssue({ code: 'custom', path: ['maps', i, 'symbol'], message: `symbol ${m.symbol} is used by two maps` });
      seen.add(m.symbol);
    });
  });

export type MultimapConfig = z.output<typeof multimapConfigSchema>;
export type MapConfig = MultimapConfig['maps'][number];
