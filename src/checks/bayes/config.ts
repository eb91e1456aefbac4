// The bayes check's config block (`checks.bayes`, snake_case) and its mapping to the classifier service's config.

import { z } from 'zod';
import { DEFAULT_MIN_LEARNS, DEFAULT_MIN_TOKENS, type BayesServiceConfig } from '../../classifier/bayes-service.ts';
import { LOGISTIC_THRESHOLDS } from '../../classifier/logistic.ts';
import { ROBINSON_THRESHOLDS } from '../../classifier/robinson-fisher.ts';
import type { Thresholds } from '../../classifier/types.ts';
import type { PruneAllOptions } from '../../classifier/prune.ts';

/** Autolearn defaults: rspamd's usual spam/ham autolearn scores for a 15-point reject threshold, and a 3:1 balance limit. */
export const DEFAULT_AUTOLEARN_SPAM_SCORE = 12;
export const DEFAULT_AUTOLEARN_HAM_SCORE = -2;
export const DEFAULT_AUTOLEARN_BALANCE_RATIO = 3;
export const DEFAULT_PRUNE_INTERVAL_HOURS = 24;

const autolearnSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Learn as spam when the scan's score (without the Bayes symbols) is at least this. */
    spam_score: z.number().default(DEFAULT_AUTOLEARN_SPAM_SCORE),
    /** Learn as ham when it is at most this. */
    ham_score: z.number().default(DEFAULT_AUTOLEARN_HAM_SCORE),
    /** Skip a learn that would make one class more than this many times the other ((n+1)/(m+1)). */
    balance_ratio: z.number().min(1).default(DEFAULT_AUTOLEARN_BALANCE_RATIO),
  })
  .refine((a) => a.ham_score < a.spam_score, { message: 'ham_score must be below spam_score', path: ['ham_score'] })
  .prefault({});

const pruneSchema = z
  .strictObject({
    /** Prune the statistics on a timer inside the daemon (one worker of all that share the store per interval). */
    enabled: z.boolean().default(true),
    interval_hours: z.number().positive().default(DEFAULT_PRUNE_INTERVAL_HOURS),
    /** Unset values use the store's defaults (30 days stale, rare ≤ 1, |weight| ≤ 0.01, signatures 365 days). */
    stale_days: z.number().int().min(1).optional(),
    rare_max: z.number().int().min(0).optional(),
    min_abs_weight: z.number().min(0).optional(),
    signature_max_age_days: z.number().int().min(1).optional(),
  })
  .prefault({});

export const bayesConfigSchema = z
  .strictObject({
    model: z.enum(['logistic', 'robinson-fisher']).default('logistic'),
    per_user: z.boolean().default(false),
    min_learns: z.number().int().min(0).default(DEFAULT_MIN_LEARNS),
    min_tokens: z.number().int().min(0).default(DEFAULT_MIN_TOKENS),
    /** Probability at or above which BAYES_SPAM fires; default per model (logistic 0.9, robinson-fisher 0.99). */
    spam_cutoff: z.number().gt(0).max(1).optional(),
    /** Probability below which BAYES_HAM fires; default per model (logistic 0.5, robinson-fisher 0.45). */
    ham_cutoff: z.number().min(0).lt(1).optional(),
    autolearn: autolearnSchema,
    prune: pruneSchema,
  })
  .refine((c) => resolvedCutoffs(c).ham <= resolvedCutoffs(c).spam, { message: 'ham_cutoff must not be above spam_cutoff', path: ['ham_cutoff'] })
  .prefault({});

export type BayesCheckConfig = z.infer<typeof bayesConfigSchema>;

/** The cut-offs in force: configured values over the model's defaults. */
export function resolvedCutoffs(c: { model: 'logistic' | 'robinson-fisher'; spam_cutoff?: number; ham_cutoff?: number }): Thresholds {
  const base = c.model === 'robinson-fisher' ? ROBINSON_THRESHOLDS : LOGISTIC_THRESHOLDS;
  return { spam: c.spam_cutoff ?? base.spam, ham: c.ham_cutoff ?? base.ham };
}

export function serviceConfig(c: BayesCheckConfig): BayesServiceConfig {
  return { model: c.model, perUser: c.per_user, minLearns: c.min_learns, minTokens: c.min_tokens, thresholds: resolvedCutoffs(c) };
}

export function pruneOptions(c: BayesCheckConfig['prune']): PruneAllOptions {
  return { staleDays: c.stale_days, rareMax: c.rare_max, minAbsWeight: c.min_abs_weight, signatureMaxAgeDays: c.signature_max_age_days };
}
