// The classifier configurations the accuracy benchmark compares (tokenizer features × model × parameters).
import type { TokenizerOptions } from '../../src/classifier/tokenizer.ts';
import type { SpamModel } from '../../src/classifier/types.ts';
import { RobinsonFisher } from '../../src/classifier/robinson-fisher.ts';
import { OnlineLogistic } from '../../src/classifier/logistic.ts';

export interface Candidate {
  name: string;
  tokenizer: Partial<TokenizerOptions>;
  make: () => SpamModel;
  /** Passes over the train half (online learners may gain from more than one). */
  epochs?: number;
}

const WORDS: Partial<TokenizerOptions> = {};
const WORDS_OSB: Partial<TokenizerOptions> = { osb: true };
const ALL_HEADERS: Partial<TokenizerOptions> = { headers: 'all' };
const HTML_TAGS: Partial<TokenizerOptions> = { htmlTags: true };
const CHAR4: Partial<TokenizerOptions> = { charNgrams: 4 };

/** Run with `--only NAME,...` to measure a subset; the first one is the recommended design. */
export const CANDIDATES: Candidate[] = [
  { name: 'lr-words', tokenizer: WORDS, make: () => new OnlineLogistic() },
  { name: 'lr-words-x2', tokenizer: WORDS, make: () => new OnlineLogistic(), epochs: 2 },
  { name: 'lr-words-everyupdate', tokenizer: WORDS, make: () => new OnlineLogistic({ trainBelow: 1 }) },
  { name: 'lr-words-unnormalized', tokenizer: WORDS, make: () => new OnlineLogistic({ rate: 0.05, normalize: false, trainBelow: 1 }) },
  { name: 'lr-allheaders', tokenizer: ALL_HEADERS, make: () => new OnlineLogistic() },
  { name: 'lr-htmltags', tokenizer: HTML_TAGS, make: () => new OnlineLogistic() },
  { name: 'lr-osb', tokenizer: WORDS_OSB, make: () => new OnlineLogistic() },
  { name: 'lr-char4', tokenizer: CHAR4, make: () => new OnlineLogistic() },
  { name: 'rf-words', tokenizer: WORDS, make: () => new RobinsonFisher() },
  { name: 'rf-htmltags', tokenizer: HTML_TAGS, make: () => new RobinsonFisher() },
  { name: 'rf-osb', tokenizer: WORDS_OSB, make: () => new RobinsonFisher() },
];
