// Measures each rule's hit rate on ham and spam of the corpus, and the time rules take per message.
//
// Usage: node bench/rules/hit-rates.ts [--split train|test|all] [--corpus DIR] [--files a.yaml,b.yaml] [--json] [--show SYMBOL]
// Default: the shipped pack (@default) on both splits of /work/main/.corpus (see ../shared/corpus/README.md).
// A rule with weight > 1 that hits more than 1% of ham is flagged `!`: the pack's tuning target.

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_PACK, loadRulePack, displayName } from '../../src/checks/rules/compile.ts';
import { matchingRules } from '../../src/checks/rules/evaluate.ts';
import { parseMessage } from '../../src/mime/parse.ts';
import { DEFAULT_MIME_LIMITS, type ParsedMessage } from '../../src/mime/model.ts';

/** Ham hit rate above which a rule with weight > 1 is flagged. */
const MAX_HAM_RATE_FOR_WEIGHTY_RULE = 0.01;

const { values } = parseArgs({
  options: {
    split: { type: 'string', default: 'all' },
    corpus: { type: 'string', default: resolve(import.meta.dirname, '../../.corpus') },
    files: { type: 'string', default: DEFAULT_PACK },
    json: { type: 'boolean', default: false },
    show: { type: 'string' },
    /** List the N highest-scoring ham messages with their rules: where to look when tuning. */
    worst: { type: 'string' },
  },
});

const splits = values.split === 'all' ? ['train', 'test'] : [values.split];
const pack = loadRulePack({ files: values.files.split(','), atoms: {}, rules: {} }, process.cwd());

interface Sample {
  file: string;
  spam: boolean;
  msg: ParsedMessage;
}

const samples: Sample[] = [];
for (const split of splits) {
  for (const cls of ['ham', 'spam']) {
    const dir = join(values.corpus, split, cls);
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.eml')) continue;
      const raw = readFileSync(join(dir, name));
      samples.push({ file: join(split, cls, name), spam: cls === 'spam', msg: await parseMessage(raw, DEFAULT_MIME_LIMITS) });
    }
  }
}

const counts = new Map(pack.rules.map((r) => [r.symbol, { ham: 0, spam: 0 }]));
let ham = 0;
let spam = 0;
const scores: { spam: boolean; score: number; file: string; hit: string[] }[] = [];
const weight = new Map(pack.rules.map((r) => [r.symbol, r.decl.weight]));
// Warm-up pass so the timing below measures steady state, not regex compilation and JIT.
for (const s of samples.slice(0, 200)) matchingRules(pack, s.msg);
const started = performance.now();
for (const s of samples) {
  const hit = matchingRules(pack, s.msg);
  if (s.spam) spam++;
  else ham++;
  let score = 0;
  for (const sym of hit) {
    const c = counts.get(sym)!;
    if (s.spam) c.spam++;
    else c.ham++;
    score += weight.get(sym)!;
    if (values.show === sym) console.log(`${sym}\t${s.file}`);
  }
  scores.push({ spam: s.spam, score, file: s.file, hit });
}
const elapsedMs = performance.now() - started;

const rows = pack.rules.map((r) => {
  const c = counts.get(r.symbol)!;
  const hamRate = c.ham / Math.max(ham, 1);
  const spamRate = c.spam / Math.max(spam, 1);
  return { symbol: r.symbol, file: displayName(r.file), weight: r.decl.weight, hamRate, spamRate, flagged: r.decl.weight > 1 && hamRate > MAX_HAM_RATE_FOR_WEIGHTY_RULE };
});
rows.sort((a, b) => b.spamRate - b.hamRate - (a.spamRate - a.hamRate));

// How the pack alone separates the classes: detection at thresholds, a rough view, not the scanner's verdict.
const atThreshold = (t: number) => ({
  threshold: t,
  ham: scores.filter((s) => !s.spam && s.score >= t).length / Math.max(ham, 1),
  spam: scores.filter((s) => s.spam && s.score >= t).length / Math.max(spam, 1),
});
const thresholds = [2, 4, 6].map(atThreshold);

if (values.json) {
  console.log(JSON.stringify({ splits, ham, spam, rules: rows, thresholds, msPerMessage: elapsedMs / samples.length }, null, 2));
} else {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`.padStart(8);
  console.log(`corpus ${values.corpus} splits ${splits.join('+')}: ${ham} ham, ${spam} spam; ${pack.rules.length} rules, ${pack.atoms.length} atoms`);
  console.log(`${'rule'.padEnd(28)} ${'weight'.padStart(6)} ${'ham'.padStart(8)} ${'spam'.padStart(8)}`);
  for (const r of rows) console.log(`${r.flagged ? '!' : ' '}${r.symbol.padEnd(27)} ${r.weight.toFixed(1).padStart(6)} ${pct(r.hamRate)} ${pct(r.spamRate)}`);
  for (const t of thresholds) console.log(`pack score >= ${t.threshold}: ham ${pct(t.ham)}  spam ${pct(t.spam)}`);
  console.log(`rules evaluation: ${(elapsedMs / samples.length).toFixed(3)} ms/message (${samples.length} messages, parse time excluded)`);
  if (values.worst) {
    const worst = scores.filter((s) => !s.spam).sort((a, b) => b.score - a.score).slice(0, Number(values.worst));
    for (const w of worst) console.log(`ham ${w.score.toFixed(1).padStart(5)} ${w.file} ${w.hit.join(' ')}`);
  }
  const flagged = rows.filter((r) => r.flagged);
  if (flagged.length) console.log(`FLAGGED (weight > 1, ham > ${MAX_HAM_RATE_FOR_WEIGHTY_RULE * 100}%): ${flagged.map((r) => r.symbol).join(', ')}`);
}
