// Shapes of the controller API replies the UI reads (docs/controller-api.md; rspamd's shapes for the rspamd-compatible routes).

/** Actions from harshest to mildest, as rspamd orders them. */
export const ACTIONS = ['reject', 'soft reject', 'rewrite subject', 'add header', 'greylist', 'no action'] as const;
export type ActionName = (typeof ACTIONS)[number];
/** Actions only a check can force (never reached by score); shown when they happened. */
export const FORCED_ONLY_ACTIONS = ['discard', 'quarantine'] as const;

/** The threshold fields of PUT /api/actions, harshest first, with the action each one sets. */
export const THRESHOLD_FIELDS = [
  { field: 'reject', action: 'reject' },
  { field: 'soft_reject', action: 'soft reject' },
  { field: 'rewrite_subject', action: 'rewrite subject' },
  { field: 'add_header', action: 'add header' },
  { field: 'greylist', action: 'greylist' },
] as const;
export type ThresholdField = (typeof THRESHOLD_FIELDS)[number]['field'];

/** Reply of a configuration edit: saved, and whether a reload applied it. */
export interface EditReply {
  success: boolean;
  applied?: boolean;
  generation?: number;
  note?: string;
  error?: string;
}

/** What to tell the user after a saved edit that may not have been applied. */
export function appliedText(r: EditReply | undefined, done: string): string {
  if (!r || r.applied !== false) return done;
  return r.error ?? r.note ?? 'Saved, but not applied yet.';
}

export interface Session {
  readOnly: boolean;
}

export interface StatusReply {
  uptimeSec: number;
  version: string;
  scanned: number;
  actions: Record<string, number>;
  learned: { spam: number; ham: number };
  store: { healthy: boolean; backend: string; detail?: string; sizeBytes?: number };
  workers: { pid: number; generation?: number; rssBytes?: number; scanned?: number }[];
}

export interface SeriesReply {
  range: string;
  step: number;
  points: { t: number; actions: Record<string, number> }[];
}

export interface HistoryItem {
  id: string;
  unixTime: number;
  clientIp?: string | null;
  sender?: string | null;
  rcpts?: string[];
  subject?: string | null;
  score: number;
  requiredScore: number;
  action: string;
  timeMs: number;
}

export interface HistoryReply {
  total: number;
  items: HistoryItem[];
}

export interface ExplainedSymbol {
  name: string;
  score: number;
  weight?: number;
  group?: string;
  description?: string;
  options?: string[];
}

export interface WhatIf {
  action: string;
  scoreNeeded?: number;
  delta?: number;
  reached?: boolean;
  symbols?: string[];
  resultingAction?: string;
  text: string;
}

export interface Explanation {
  entry?: Partial<HistoryItem>;
  symbols: ExplainedSymbol[];
  bayes?: { probability: number; tokens: { token: string; weight: number }[] } | null;
  whatIf?: WhatIf[];
  /** A check forced the action regardless of the score. */
  forced?: boolean;
  forcedBy?: string;
}

/** POST /api/scan: the checkv2 result plus the explanation. */
export interface ScanReply extends Explanation {
  action: string;
  score: number;
  required_score: number;
  messages?: Record<string, string>;
  'message-id'?: string;
  time_real?: number;
}

/** GET /symbols (rspamd shape). */
export interface SymbolGroup {
  group: string;
  rules: { symbol: string; weight: number; description?: string; frequency?: number; time?: number; hits?: number }[];
}

export interface MapInfo {
  id: string;
  description?: string;
  uri?: string;
  editable: boolean;
  /** ip, domain, email, regex, greylist-clients… */
  type?: string;
  /** The symbol the list feeds, when it has one. */
  symbol?: string;
}

export interface GreylistItem {
  key: string;
  firstSeen: number;
  lastSeen: number;
  passCount: number;
  expiresAt: number;
  state?: string;
  network?: string;
  whitelisted?: boolean;
}

export interface GreylistReply {
  total: number;
  items: GreylistItem[];
}
