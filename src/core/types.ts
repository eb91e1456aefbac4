// The data that crosses the pipeline boundary: what a protocol adapter hands in (ScanRequest) and gets back (ScanResult).

import type { SettingsProfile } from './settings.ts';

/** Actions in rising order of severity; `discard` and `quarantine` are only ever forced, never reached by score. */
export const ACTIONS = [
  'no action',
  'greylist',
  'add header',
  'rewrite subject',
  'soft reject',
  'reject',
  'discard',
  'quarantine',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Actions that a score threshold can select, checked from the most severe down. */
export const THRESHOLD_ACTIONS = ['reject', 'soft reject', 'rewrite subject', 'add header', 'greylist'] as const;
export type ThresholdAction = (typeof THRESHOLD_ACTIONS)[number];
export type Thresholds = Record<ThresholdAction, number | null>;

/** Everything a protocol knows about one message or one SMTP transaction; message bytes are optional. */
export interface ScanRequest {
  /** Connecting client's IP address (already validated by the adapter). */
  clientIp?: string;
  /** HELO/EHLO argument. */
  helo?: string;
  /** Reverse-resolved client hostname, when the MTA knows it. */
  hostname?: string;
  /** SMTP MAIL FROM without angle brackets; '' is the null sender `<>`. */
  mailFrom?: string;
  /** SMTP RCPT TO addresses without angle brackets. */
  rcptTo: string[];
  /** SASL-authenticated user name. */
  user?: string;
  queueId?: string;
  deliverTo?: string;
  /** Named settings profile to apply. */
  settingsId?: string;
  /** A settings profile given inline by the adapter (the SMTP front runs only its own checks); wins over `settingsId`. */
  settings?: SettingsProfile;
  /** Run every check: no early exit once the reject threshold is reached. */
  passAll?: boolean;
  /** Raw RFC 5322 message; absent for envelope-only requests (policy, SMTP front). */
  message?: Uint8Array;
  /** Free-form protocol facts (milter macros, TLS version...), lower-case keys. */
  facts?: Record<string, string>;
  /**
   * Whether the scan counts in the statistics (`scanned`, per-action counters) and gets a history row; default true.
   * An adapter sets false for bookkeeping scans that are no message attempt (the SMTP front's per-connection scan),
   * so thousands of them cannot push real scans out of the history. Checks and their after-scan work run either way.
   */
  record?: boolean;
}

export interface SymbolResult {
  name: string;
  /** Score this hit contributed (weight × multiplier, after group caps). */
  score: number;
  /** Configured weight of the symbol (rspamd's `metric_score`). */
  weight: number;
  group?: string;
  description?: string;
  options: string[];
}

export interface HeaderChange {
  name: string;
  value: string;
}

/** A header to remove: index 0 removes every occurrence, N > 0 the N-th (1-based), -N the N-th from the end. */
export interface HeaderRemoval {
  name: string;
  index: number;
}

/** An action forced by a check regardless of score (GTUBE, a whitelist...). */
export interface ForcedAction {
  action: Action;
  module: string;
  message?: string;
}

export interface ScanResult {
  score: number;
  /** The reject threshold in force (rspamd's `required_score`). */
  requiredScore: number;
  action: Action;
  thresholds: Thresholds;
  symbols: Record<string, SymbolResult>;
  /** Texts for the MTA, keyed like rspamd's `messages` (e.g. `smtp_message`). */
  messages: Record<string, string>;
  addHeaders: HeaderChange[];
  removeHeaders: HeaderRemoval[];
  /** Rewritten subject when the action is `rewrite subject`. */
  subject?: string;
  messageId?: string;
  forced?: ForcedAction;
  isSkipped: boolean;
  urls: string[];
  emails: string[];
  /** Wall time of the scan in milliseconds. */
  timeMs: number;
}
