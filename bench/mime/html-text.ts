// Benchmark: winnow's own HTML→text converter vs the html-to-text library on every HTML part of the corpus — speed and word overlap.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
// html-to-text is present as a dependency of mailparser (a devDependency); only this benchmark uses it.
// @ts-expect-error -- html-to-text ships no types and @types/html-to-text is not worth a dependency for one call.
import { convert as untypedConvert } from 'html-to-text';
import { parseMessage } from '../../src/mime/parse.ts';
import { htmlToText } from '../../src/mime/html-text.ts';

const CORPUS_DIR = new URL('../../.corpus/', import.meta.url).pathname;
const TIMED_PASSES = 3;
const convert = untypedConvert as (html: string, options: object) => string;
/** html-to-text wraps at 80 columns by default; switched off so both outputs are comparable. */
const LIB_OPTIONS = { wordwrap: false as const, selectors: [{ selector: 'a', options: { ignoreHref: true } }, { selector: 'img', format: 'skip' }] };

const htmls: string[] = [];
for (const split of ['train', 'test']) {
  for (const cls of ['ham', 'spam']) {
    const dir = join(CORPUS_DIR, split, cls);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      const m = await parseMessage(readFileSync(join(dir, f)));
      for (const p of m.parts) if (p.contentType === 'text/html' && p.text) htmls.push(p.text);
    }
  }
}
if (htmls.length === 0) {
  console.error(`no corpus under ${CORPUS_DIR}`);
  process.exit(1);
}

function time(name: string, fn: (h: string) => string): string[] {
  const outs = htmls.map(fn); // warm-up, and the output for the quality comparison
  const t0 = performance.now();
  for (let i = 0; i < TIMED_PASSES; i++) for (const h of htmls) fn(h);
  const ms = (performance.now() - t0) / (TIMED_PASSES * htmls.length);
  console.log(`${name.padEnd(14)} ${(1000 / ms).toFixed(0).padStart(7)} parts/s  ${(ms * 1000).toFixed(0)} µs/part`);
  return outs;
}

const bytes = htmls.reduce((a, h) => a + h.length, 0);
console.log(`${htmls.length} HTML parts, ${(bytes / 1048576).toFixed(1)} MiB`);
const own = time('own', htmlToText);
const lib = time('html-to-text', (h) => convert(h, LIB_OPTIONS));

// Quality: share of the library's words that the own converter also produced (and vice versa).
const words = (s: string): Set<string> => new Set(s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
let recall = 0;
let precision = 0;
for (let i = 0; i < htmls.length; i++) {
  const a = words(own[i]);
  const b = words(lib[i]);
  let both = 0;
  for (const w of a) if (b.has(w)) both++;
  recall += b.size ? both / b.size : 1;
  precision += a.size ? both / a.size : 1;
}
console.log(
  `word overlap: own has ${((recall / htmls.length) * 100).toFixed(1)}% of html-to-text's words; ` +
    `${((precision / htmls.length) * 100).toFixed(1)}% of own words are in html-to-text's output`,
);
