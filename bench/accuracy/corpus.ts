// Loads the SpamAssassin train/test split for the accuracy benchmark, laying it out with shared/corpus/get-corpus.sh when it is missing.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Message {
  path: string;
  name: string;
  isSpam: boolean;
  raw: Uint8Array;
}

export interface Split {
  dir: string;
  train: Message[];
  test: Message[];
}

const REPO = resolve(new URL('../..', import.meta.url).pathname);
export const DEFAULT_CORPUS_DIR = join(REPO, '.corpus');
const GET_CORPUS = resolve(REPO, '../shared/corpus/get-corpus.sh');

/** A stable pseudo-random key, so "shuffled" orders are the same in every run. */
export function orderKey(name: string, salt: string): string {
  return createHash('md5').update(`${salt}:${name}`).digest('hex');
}

function readDir(dir: string, isSpam: boolean): Message[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => ({ path: join(dir, f), name: f, isSpam, raw: readFileSync(join(dir, f)) }));
}

/** Mixes spam and ham in a fixed pseudo-random order (online learners depend on the order). */
export function shuffled(msgs: readonly Message[], salt: string): Message[] {
  return msgs
    .map((m) => ({ m, k: orderKey(m.name, salt) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.m);
}

export function loadSplit(dir = DEFAULT_CORPUS_DIR): Split {
  if (!existsSync(join(dir, 'train', 'ham'))) {
    if (!existsSync(GET_CORPUS)) throw new Error(`corpus missing at ${dir} and ${GET_CORPUS} not found`);
    console.error(`laying out the corpus in ${dir} ...`);
    execFileSync('bash', [GET_CORPUS, dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const part = (s: string): Message[] => [...readDir(join(dir, s, 'spam'), true), ...readDir(join(dir, s, 'ham'), false)];
  return { dir, train: part('train'), test: part('test') };
}
