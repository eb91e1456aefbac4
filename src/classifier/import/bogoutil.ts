// Reads a bogofilter wordlist dump (`bogoutil -d` text: `token spamcount hamcount [YYYYMMDD]` per line, `.MSG_COUNT` holding the message totals) and maps it onto winnow's Robinson-Fisher token counts.

import { foldText, splitWords } from '../tokenizer.ts';
import type { TokenDumpRow } from '../../storage/interfaces.ts';

/** bogofilter's header tags and the header prefix winnow's tokenizer gives the same words. */
const HEADER_TAGS: Readonly<Record<string, string | undefined>> = {
  subj: 'subject:',
  from: 'from:',
  to: 'to:',
  rcvd: 'received:',
  rtrn: 'return-path:',
  // `head:` mixes every other header and `mime:` is bogofilter's own MIME labels: no winnow equivalent.
  head: undefined,
  mime: undefined,
};
const TAG_RE = /^([a-z]+):(.*)$/s;
const DATE_RE = /^(\d{4})(\d{2})(\d{2})$/;
const MS_PER_DAY = 86_400_000;

export interface BogoutilLine {
  token: string;
  spam: number;
  ham: number;
  /** YYYYMMDD as bogoutil prints it; undefined when the dump has no dates (or 0). */
  date?: string;
}

export class BogoutilFormatError extends Error {}

function count(field: string, what: string, lineNo: number): number {
  if (!/^\d+$/.test(field)) throw new BogoutilFormatError(`line ${lineNo}: ${what} count '${field}' is not a whole number; is this \`bogoutil -d\` output?`);
  return Number(field);
}

/** One dump line; undefined for a blank line. */
export function parseBogoutilLine(line: string, lineNo: number): BogoutilLine | undefined {
  // Only ASCII blanks separate fields: a token may hold other white space (bogofilter keeps U+00A0 inside words).
  const fields = line.replace(/^[ \t\r]+|[ \t\r]+$/g, '').split(/[ \t]+/);
  if (fields.length === 1 && fields[0] === '') return undefined;
  if (fields.length < 3 || fields.length > 4) {
    throw new BogoutilFormatError(`line ${lineNo}: expected 'token spamcount hamcount [date]', got ${fields.length} field(s)`);
  }
  const [token, s, h, d] = fields;
  const out: BogoutilLine = { token, spam: count(s, 'spam', lineNo), ham: count(h, 'ham', lineNo) };
  if (d !== undefined && d !== '0') {
    if (!DATE_RE.test(d)) throw new BogoutilFormatError(`line ${lineNo}: date '${d}' is not YYYYMMDD`);
    out.date = d;
  }
  return out;
}

/** Whole days since the Unix epoch of a YYYYMMDD date. */
export function dayOfDate(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not YYYYMMDD: ${date}`);
  return Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY);
}

/**
 * The winnow token a bogofilter token becomes, or undefined when there is none: bogofilter keeps case
 * and some punctuation, winnow folds case and splits on punctuation, so a token that does not stay one
 * word after winnow's word rules (or becomes an over-long `long:` marker) is dropped.
 */
export function mapBogofilterToken(token: string): string | undefined {
  let prefix = '';
  let word = token;
  const tag = TAG_RE.exec(token);
  if (tag && tag[1] in HEADER_TAGS) {
    const mapped = HEADER_TAGS[tag[1]];
    if (mapped === undefined) return undefined;
    prefix = mapped;
    word = tag[2];
  }
  const words = splitWords(foldText(word));
  if (words.length !== 1 || words[0].startsWith('long:')) return undefined;
  return prefix + words[0];
}

export interface ImportSummary {
  lines: number;
  /** Dump lines that became a winnow token. */
  mapped: number;
  /** Dump lines with no winnow equivalent (head:/mime: tags, tokens that split into several words). */
  dropped: number;
  /** Distinct winnow tokens (bogofilter tokens differing only in case or trailing punctuation share one). */
  tokens: number;
  /** `.MSG_COUNT`, or undefined when the dump lacked it. */
  nspam?: number;
  nham?: number;
}

interface Acc {
  spam: number;
  ham: number;
  day: number;
}

/** Collects a dump's lines, then yields the rows `TokenStore.load` takes. */
export class BogofilterImport {
  readonly #tokens = new Map<string, Acc>();
  readonly #today: number;
  #lines = 0;
  #mapped = 0;
  #dropped = 0;
  #nspam: number | undefined;
  #nham: number | undefined;

  constructor(now: number = Date.now()) {
    this.#today = Math.floor(now / MS_PER_DAY);
  }

  add(line: BogoutilLine): void {
    this.#lines++;
    if (line.token === '.MSG_COUNT') {
      this.#nspam = line.spam;
      this.#nham = line.ham;
      return;
    }
    // `.ENCODING`, `.WORDLIST_VERSION`, `.ROBX`: bogofilter's own bookkeeping.
    if (line.token.startsWith('.')) return;
    const token = mapBogofilterToken(line.token);
    if (token === undefined) {
      this.#dropped++;
      return;
    }
    this.#mapped++;
    const day = line.date !== undefined ? dayOfDate(line.date) : this.#today;
    const acc = this.#tokens.get(token);
    if (acc) {
      acc.spam += line.spam;
      acc.ham += line.ham;
      acc.day = Math.max(acc.day, day);
    } else {
      this.#tokens.set(token, { spam: line.spam, ham: line.ham, day });
    }
  }

  summary(): ImportSummary {
    return { lines: this.#lines, mapped: this.#mapped, dropped: this.#dropped, tokens: this.#tokens.size, nspam: this.#nspam, nham: this.#nham };
  }

  /** Distinct tokens, for looking up what a namespace already holds before a merge. */
  tokenNames(): string[] {
    return [...this.#tokens.keys()];
  }

  /**
   * Totals, then one row per token. `base` (a merge) is added to the imported counts. A token counts a
   * message once, so merged case variants are capped at the message totals.
   */
  *rows(base: { nspam: number; nham: number; counts?: ReadonlyMap<string, { spam: number; ham: number }> } = { nspam: 0, nham: 0 }): Iterable<TokenDumpRow> {
    if (this.#nspam === undefined || this.#nham === undefined) throw new BogoutilFormatError('the dump has no .MSG_COUNT line; is it a complete `bogoutil -d` dump?');
    const nspam = base.nspam + this.#nspam;
    const nham = base.nham + this.#nham;
    yield { type: 'totals', nspam, nham };
    for (const [token, a] of this.#tokens) {
      const old = base.counts?.get(token);
      const spam = Math.min(this.#nspam, a.spam) + (old?.spam ?? 0);
      const ham = Math.min(this.#nham, a.ham) + (old?.ham ?? 0);
      if (spam === 0 && ham === 0) continue;
      yield { type: 'token', token, spam, ham, lastSeenDay: a.day };
    }
  }
}
