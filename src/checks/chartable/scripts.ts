// Finds words that mix Latin letters with Cyrillic or Greek look-alikes ("PаyPal" with a Cyrillic а), the classic homoglyph disguise (Unicode TR 39 §4).

/** Words examined per text; a spam body that needs more to show its trick has shown it already. */
export const MAX_WORDS_EXAMINED = 5000;
/** Characters of a text searched for words. */
export const MAX_CHARS_EXAMINED = 256 * 1024;
/** Mixed words quoted in a symbol's options. */
export const MAX_EXAMPLES = 5;
/** Shorter words are initials and formula fragments, not words. */
export const MIN_WORD_CHARS = 2;

const WORD_RE = /[\p{L}\p{M}]+/gu;
const LATIN_RE = /\p{Script=Latin}/u;
const CYRILLIC_OR_GREEK_RE = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;

/**
 * Cyrillic and Greek letters that render like Latin ones. Only these make a word suspicious: "μm" or
 * "αβ-blocker" mix scripts honestly, "Аpple" with a Cyrillic А does not.
 */
const LOOKALIKES = new Set([
  ...'аеорсухіјѕԁһԛԝӏьүԍ', // Cyrillic small: a e o p c y x i j s d h q w l b y G
  ...'АВЕКМНОРСТХІЈЅҮԌԚԜ', // Cyrillic capital: A B E K M H O P C T X I J S Y G Q W
  ...'ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ', // Greek capital: A B E Z H I K M N O P T Y X
  ...'οινρκαυ', // Greek small: o i v p k a u
]);

export interface ScriptStats {
  /** Words of at least MIN_WORD_CHARS letters examined (0 when the text holds no Cyrillic or Greek at all). */
  words: number;
  /** Of those, words mixing Latin with look-alikes. */
  mixed: number;
  /** The first few mixed words. */
  examples: string[];
}

function isMixed(word: string): boolean {
  if (!LATIN_RE.test(word) || !CYRILLIC_OR_GREEK_RE.test(word)) return false;
  for (const c of word) if (LOOKALIKES.has(c)) return true;
  return false;
}

/** Counts words and homoglyph-mixed words in `text`, stopping after `maxWords` words. */
export function scriptStats(text: string, maxWords = MAX_WORDS_EXAMINED): ScriptStats {
  const stats: ScriptStats = { words: 0, mixed: 0, examples: [] };
  const s = text.length > MAX_CHARS_EXAMINED ? text.slice(0, MAX_CHARS_EXAMINED) : text;
  // Most mail has no Cyrillic or Greek at all and then cannot mix: skip the word walk.
  if (!CYRILLIC_OR_GREEK_RE.test(s)) return stats;
  for (const m of s.matchAll(WORD_RE)) {
    const word = m[0];
    if (word.length < MIN_WORD_CHARS) continue;
    if (++stats.words > maxWords) {
      stats.words = maxWords;
      break;
    }
    if (isMixed(word)) {
      stats.mixed++;
      if (stats.examples.length < MAX_EXAMPLES && !stats.examples.includes(word)) stats.examples.push(word);
    }
  }
  return stats;
}
