// Formats winnow's verdict headers: `X-Spam-Status` (SpamAssassin's shape) and `X-Spamd-Result` (rspamd's milter_headers shape).

import type { SymbolResult } from '../../core/types.ts';

/** Options shown per symbol in X-Spamd-Result, and characters per option: keeps the header well under RFC 5322's 998-char lines. */
export const MAX_OPTIONS_PER_SYMBOL = 5;
export const MAX_OPTION_CHARS = 64;

/** Two decimals, as SpamAssassin and rspamd print scores; never `-0.00`. */
export function score2(n: number): string {
  const s = (Number.isFinite(n) ? n : 0).toFixed(2);
  return s === '-0.00' ? '0.00' : s;
}

/** Header text must be printable ASCII on one line: options come from message content. */
function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]+/g, '?');
}

/** `Yes, score=16.50 required=15.00` */
export function spamStatus(isSpam: boolean, score: number, required: number): string {
  return `${isSpam ? 'Yes' : 'No'}, score=${score2(score)} required=${score2(required)}`;
}

/**
 * `default: True [16.50 / 15.00];` then one folded line per symbol, `NAME(score)[opt1,opt2];`, sorted by name;
 * the MTA adds the CR of each fold.
 */
export function spamdResult(isSpam: boolean, score: number, required: number, symbols: readonly SymbolResult[]): string {
  const lines = [`default: ${isSpam ? 'True' : 'False'} [${score2(score)} / ${score2(required)}]`];
  for (const s of [...symbols].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const opts = s.options.slice(0, MAX_OPTIONS_PER_SYMBOL).map((o) => printable(o).replace(/[[\];]/g, '').slice(0, MAX_OPTION_CHARS));
    lines.push(`${s.name}(${score2(s.score)})[${opts.join(',')}]`);
  }
  return lines.join(';\n\t');
}
