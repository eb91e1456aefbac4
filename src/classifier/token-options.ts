// How the strongest tokens of a Bayes verdict travel in the BAYES_* symbol's options (`token:+0.512`), so history rows can be explained later.

import type { TokenWeight } from './types.ts';

/** Tokens a symbol carries: enough to say why, few enough to keep history rows and rspamc output short. */
export const TOKEN_OPTIONS = 5;
/** Tokens longer than this are cut in the option (a URL token can be long). */
const MAX_TOKEN_OPTION_CHARS = 60;

const TOKEN_OPTION = /^(.+):([+-]\d+(?:\.\d+)?)$/s;

export function tokenOption(t: TokenWeight): string {
  const token = t.token.length > MAX_TOKEN_OPTION_CHARS ? `${t.token.slice(0, MAX_TOKEN_OPTION_CHARS)}…` : t.token;
  return `${token}:${t.weight >= 0 ? '+' : ''}${t.weight.toFixed(3)}`;
}

/** The options after the probability, read back; anything not in the `token:±weight` form is skipped. */
export function parseTokenOptions(options: readonly string[]): TokenWeight[] {
  const out: TokenWeight[] = [];
  for (const o of options) {
    const m = TOKEN_OPTION.exec(o);
    if (m) out.push({ token: m[1], weight: Number(m[2]) });
  }
  return out;
}
