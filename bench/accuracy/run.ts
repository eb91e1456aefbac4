// Accuracy and speed benchmark: winnow's classifier candidates and bogofilter learn the train half of the SpamAssassin split and classify the test half; also an online (TREC-style) pass.
// Usage: npx node bench/accuracy/run.ts [--corpus DIR] [--only NAME,...] [--tune] [--no-online] [--bogo-online]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseMessage } from '../../src/mime/parse.ts';
import type { ParsedMessage } from '../../src/mime/model.ts';
import { tokenize } from '../../src/classifier/tokenizer.ts';
import { errorsAt, oneMinusRocaPercent, spamCaughtAtHamRate } from '../../src/classifier/evaluate.ts';
import type { SpamModel, Thresholds } from '../../src/classifier/types.ts';
import { loadSplit, shuffled } from './corpus.ts';
import type { Message } from './corpus.ts';
import { Bogofilter, bogofilterAvailable } from './bogofilter.ts';
import { CANDIDATES } from './candidates.ts';
import type { Candidate } from './candidates.ts';
import { printTable } from './table.ts';
import type { Row } from './table.ts';

/** The ham misfiling rate at which "spam caught" is reported (TREC's 0.1% operating point). */
const HAM_RATE = 0.001;
/** Share of the train half held out when tuning cut-offs (never the test half). */
const HELD_OUT_SHARE = 0.2;

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string' },
    only: { type: 'string' },
    tune: { type: 'boolean', default: false },
    'no-online': { type: 'boolean', default: false },
    'bogo-online': { type: 'boolean', default: false },
  },
});

interface Item {
  msg: Message;
  parsed: ParsedMessage;
}

async function parseAll(msgs: readonly Message[]): Promise<{ items: Item[]; ms: number }> {
  const t0 = performance.now();
  const items: Item[] = [];
  for (const msg of msgs) items.push({ msg, parsed: await parseMessage(msg.raw) });
  return { items, ms: performance.now() - t0 };
}

/** Tokens per message for one tokenizer configuration, cached: candidates share tokenizers. */
const tokenCache = new Map<string, { train: string[][]; test: string[][]; trainMs: number; testMs: number }>();

function tokensFor(c: Candidate, train: Item[], test: Item[]) {
  const key = JSON.stringify(c.tokenizer);
  let hit = tokenCache.get(key);
  if (!hit) {
    const t0 = performance.now();
    const tr = train.map((it) => tokenize(it.parsed, c.tokenizer));
    const t1 = performance.now();
    const te = test.map((it) => tokenize(it.parsed, c.tokenizer));
    const t2 = performance.now();
    hit = { train: tr, test: te, trainMs: t1 - t0, testMs: t2 - t1 };
    tokenCache.set(key, hit);
  }
  return hit;
}

function learnAll(model: SpamModel, items: Item[], tokens: string[][], epochs: number): number {
  const index = new Map(items.map((it, i) => [it.msg.name, i]));
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) {
    for (const m of shuffled(items.map((it) => it.msg), `learn-${e}`)) {
      const i = index.get(m.name) as number;
      model.learn(tokens[i], m.isSpam);
    }
  }
  return performance.now() - t0;
}

interface Outcome {
  probability: number;
  score: number;
  isSpam: boolean;
}

function metrics(name: string, out: Outcome[], t: Thresholds, extra: Partial<Row>): Row {
  const e = errorsAt(out, t.spam, t.ham);
  const op = spamCaughtAtHamRate(out, HAM_RATE);
  return {
    name,
    rocaPct: oneMinusRocaPercent(out),
    fp: e.falsePositives,
    fn: e.falseNegatives,
    unsureSpam: e.unsureSpam,
    unsureHam: e.unsureHam,
    nSpam: e.spam,
    caught: op.spamCaught,
    ...extra,
  };
}

/** Learns part of the train half, scores the rest, and prints where ham and spam fall (for choosing cut-offs). */
function tune(c: Candidate, train: Item[], tokens: string[][]): void {
  const fit: number[] = [];
  const held: number[] = [];
  const index = new Map(train.map((it, i) => [it.msg.name, i]));
  shuffled(train.map((it) => it.msg), 'tune').forEach((m, k) => {
    (k < train.length * HELD_OUT_SHARE ? held : fit).push(index.get(m.name) as number);
  });
  const model = c.make();
  learnAll(model, fit.map((i) => train[i]), fit.map((i) => tokens[i]), c.epochs ?? 1);
  const hamP: number[] = [];
  const spamP: number[] = [];
  for (const i of held) (train[i].msg.isSpam ? spamP : hamP).push(model.classify(tokens[i]).probability);
  hamP.sort((a, b) => b - a);
  spamP.sort((a, b) => a - b);
  const fmt = (xs: number[]) => xs.slice(0, 6).map((x) => x.toPrecision(4)).join(' ');
  console.log(`tune ${c.name}: held-out ${hamP.length} ham, ${spamP.length} spam`);
  console.log(`  highest ham p: ${fmt(hamP)}`);
  console.log(`  lowest spam p: ${fmt(spamP)}`);
  const { spam, ham } = model.thresholds;
  const e = errorsAt([...hamP.map((p) => ({ probability: p, isSpam: false })), ...spamP.map((p) => ({ probability: p, isSpam: true }))], spam, ham);
  console.log(`  at ${spam}/${ham}: FP ${e.falsePositives} FN ${e.falseNegatives} unsure ${e.unsureHam}h/${e.unsureSpam}s`);
}

function online(c: Candidate, all: Item[], tokens: string[][]): Row {
  const model = c.make();
  const index = new Map(all.map((it, i) => [it.msg.name, i]));
  const out: Outcome[] = [];
  for (const m of shuffled(all.map((it) => it.msg), 'online')) {
    const i = index.get(m.name) as number;
    const r = model.classify(tokens[i]);
    out.push({ probability: r.probability, score: r.score, isSpam: m.isSpam });
    model.learn(tokens[i], m.isSpam);
  }
  return metrics(`${c.name} (online)`, out, model.thresholds, {});
}

function printBatch(rows: Row[]): void {
  console.log('\nbatch: learn train half, classify test half');
  printTable(rows);
}

async function main(): Promise<void> {
  const split = loadSplit(args.corpus);
  console.log(`corpus ${split.dir}: train ${split.train.length}, test ${split.test.length}`);
  const train = await parseAll(split.train);
  const test = await parseAll(split.test);
  // Parse again now that the JIT is warm: the first pass over train pays for compilation.
  const retest = await parseAll(split.test);
  const parseTestMs = Math.min(test.ms, retest.ms);
  console.log(`parse: train ${train.ms.toFixed(0)} ms, test ${parseTestMs.toFixed(0)} ms (${((split.test.length / parseTestMs) * 1000).toFixed(0)} msgs/s)`);

  const only = args.only ? new Set(args.only.split(',')) : undefined;
  const candidates = CANDIDATES.filter((c) => !only || only.has(c.name));
  const rows: Row[] = [];
  const onlineRows: Row[] = [];
  for (const c of candidates) {
    const tk = tokensFor(c, train.items, test.items);
    if (args.tune) tune(c, train.items, tk.train);
    const model = c.make();
    const learnMs = learnAll(model, train.items, tk.train, c.epochs ?? 1);
    const out: Outcome[] = [];
    const t0 = performance.now();
    for (let i = 0; i < test.items.length; i++) {
      const r = model.classify(tk.test[i]);
      out.push({ probability: r.probability, score: r.score, isSpam: test.items[i].msg.isSpam });
    }
    const classifyMs = performance.now() - t0;
    const n = test.items.length;
    rows.push(
      metrics(c.name, out, model.thresholds, {
        learnS: (train.ms + tk.trainMs + learnMs) / 1000,
        rate: (n / (parseTestMs + tk.testMs + classifyMs)) * 1000,
        rateNoParse: (n / (tk.testMs + classifyMs)) * 1000,
        tokensPerMsg: tk.test.reduce((a, t) => a + t.length, 0) / n,
      }),
    );
    if (!args['no-online']) {
      const all = [...train.items, ...test.items];
      onlineRows.push(online(c, all, [...tk.train, ...tk.test]));
    }
  }

  if (bogofilterAvailable()) {
    const bogo = new Bogofilter();
    try {
      const learnMs = bogo.learn(split.train);
      const { scores, ms } = bogo.classify(split.test);
      const out: Outcome[] = split.test.map((m) => {
        const s = scores.get(m.path);
        if (!s) throw new Error(`bogofilter gave no result for ${m.path}`);
        return { probability: s.probability, score: s.probability, isSpam: m.isSpam };
      });
      rows.push(metrics('bogofilter -B (defaults)', out, { spam: 0.99, ham: 0.45 }, { learnS: learnMs / 1000, rate: (split.test.length / ms) * 1000 }));
      printBatch(rows);
      if (args['bogo-online']) {
        const fresh = new Bogofilter();
        try {
          const msgs = shuffled([...split.train, ...split.test], 'online');
          const res = fresh.online(msgs);
          const o = res.map((r, i) => ({ probability: r.probability, score: r.probability, isSpam: msgs[i].isSpam }));
          onlineRows.push(metrics('bogofilter (online)', o, { spam: 0.99, ham: 0.45 }, {}));
        } finally {
          fresh.close();
        }
      }
    } finally {
      bogo.close();
    }
  } else {
    console.log('bogofilter not installed: its row is skipped');
    printBatch(rows);
  }
  if (onlineRows.length > 0) {
    console.log('\nonline (TREC-style): classify each of all messages in a fixed order, then learn its true class');
    printTable(onlineRows);
  }
}

await main();
