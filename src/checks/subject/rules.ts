// Pure tests on a Subject value: shouting, punctuation runs, money bait, reply prefixes and RFC 2047 encoded-word charsets.

/** Fewer cased letters than this and "all caps" means an acronym, not shouting. */
export const MIN_CAPS_LETTERS = 10;
/** Subjects are judged on at most this many characters; longer ones are already reported as long. */
export const MAX_SUBJECT_CHARS_EXAMINED = 1000;
/** Encoded-words looked at per Subject field. */
export const MAX_ENCODED_WORDS = 50;

/** All cased letters are capitals and there are at least MIN_CAPS_LETTERS of them. */
export function isAllCaps(subject: string): boolean {
  const s = stripPrefixes(subject.slice(0, MAX_SUBJECT_CHARS_EXAMINED));
  let upper = 0;
  for (const m of s.matchAll(/\p{Lu}|\p{Ll}/gu)) {
    if (m[0] !== m[0].toUpperCase()) return false;
    upper++;
  }
  return upper >= MIN_CAPS_LETTERS;
}

/** Three or more `!`/`?` in a row, or three `!` anywhere: what the offending text looked like, or undefined. */
export function excessPunctuation(subject: string): string | undefined {
  const s = subject.slice(0, MAX_SUBJECT_CHARS_EXAMINED);
  const run = /[!?¡¿]{3,}/u.exec(s);
  if (run) return run[0].slice(0, 10);
  let bangs = 0;
  for (const c of s) if (c === '!' || c === '！') bangs++;
  return bangs >= 3 ? `${bangs}x!` : undefined;
}

const MONEY_PATTERNS: ReadonlyArray<[kind: string, re: RegExp]> = [
  ['dollar-signs', /\${2,}|\$\s\$/],
  ['amount', /[$€£]\s?\d{1,3}(?:[,.]?\d{3})+(?:\.\d\d)?|[$€£]\s?\d+\s?(?:k|m|mil+ion|thousand)\b/i],
  ['amount', /\b\d{1,3}(?:[,.]?\d{3})+\s?(?:\$|usd|eur|dollars|euros?)(?!\w)/i],
  ['price', /\$\d{1,4}\.\d\d\b/],
  ['free', /\b100\s?%\s?(?:free|guaranteed|satisfied)|\bfree\s+(?:money|cash|gift)\b/i],
  ['cash', /\b(?:fast|easy|quick|extra)\s+(?:cash|money)\b|\bcash\s+(?:now|bonus|prize)\b/i],
];

/** Kinds of money bait in the subject (`dollar-signs`, `amount`, `price`, `free`, `cash`), without duplicates. */
export function moneyBait(subject: string): string[] {
  const s = subject.slice(0, MAX_SUBJECT_CHARS_EXAMINED);
  const kinds: string[] = [];
  for (const [kind, re] of MONEY_PATTERNS) if (!kinds.includes(kind) && re.test(s)) kinds.push(kind);
  return kinds;
}

/** Reply prefixes in the languages mail clients localise them into (Re, Aw, Sv, Antw, Odp, Vs, Ynt, Atb, Res, 回复). */
const REPLY_PREFIX_RE = /^\s*(?:\[[^\]]{0,64}\]\s*)?(?:re|aw|sv|antw|odp|vs|ynt|atb|res|回复|回覆)\s*(?:\[\d{1,4}\]|\(\d{1,4}\))?\s*[:：]/iu;

export function looksLikeReply(subject: string): boolean {
  return REPLY_PREFIX_RE.test(subject);
}

/** Removes reply/forward prefixes and list tags, which are machine-written and say nothing about the author. */
function stripPrefixes(subject: string): string {
  return subject.replace(/^(?:\s*(?:\[[^\]]{0,64}\]|(?:re|fwd?|aw|wg|sv|tr)\s*:))+/i, '');
}

/** Charset labels of the RFC 2047 encoded-words in a raw header value, lower-cased, RFC 2231 language dropped. */
export function encodedWordCharsets(raw: string): string[] {
  const out: string[] = [];
  for (const m of raw.matchAll(/=\?([^?\s]{1,64})\?[bBqQ]\?/g)) {
    const label = m[1].split('*', 1)[0].toLowerCase();
    if (!out.includes(label)) out.push(label);
    if (out.length >= MAX_ENCODED_WORDS) break;
  }
  return out;
}
