// Benchmark: postal-mime vs mailparser (simpleParser) vs winnow's parseMessage on the SpamAssassin corpus — msgs/s and failures.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import PostalMime from 'postal-mime';
import { simpleParser } from 'mailparser';
const { parseMessage } = await import('../../src/mime/parse.ts').catch(() => ({ parseMessage: undefined }));
const { parseTree } = await import('../../src/mime/mime-tree.ts').catch(() => ({ parseTree: undefined }));

const CORPUS_DIR = new URL('../../.corpus/', import.meta.url).pathname;
/** Untimed passes first so every parser is measured with a warm JIT. */
const WARMUP_PASSES = 1;
const TIMED_PASSES = 5;

function loadCorpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const split of ['train', 'test']) {
    for (const cls of ['ham', 'spam']) {
      const dir = join(CORPUS_DIR, split, cls);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) if (f.endsWith('.eml')) out.push(readFileSync(join(dir, f)));
    }
  }
  return out;
}

type Parse = (raw: Uint8Array) => Promise<unknown>;

const parsers: Record<string, Parse> = {
  'postal-mime': (raw) => PostalMime.parse(raw),
  'mailparser': (raw) => simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)),
  // The conversions winnow does not need switched off: the fairest mailparser figure.
  'mailparser (skip*)': (raw) =>
    simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
    }),
  // The part tree alone (what the libraries above produce), then the whole model.
  ...(parseTree ? { 'winnow mime-tree': async (raw: Uint8Array) => parseTree(raw, { maxNestingDepth: 256, maxHeadersSize: 2 * 1024 * 1024 }) } : {}),
  ...(parseMessage ? { 'winnow parseMessage': (raw: Uint8Array) => parseMessage(raw) } : {}),
};

/** One pass over the corpus: elapsed ms and rejected messages. */
async function pass(parse: Parse, msgs: Uint8Array[]): Promise<{ ms: number; failures: number }> {
  let failures = 0;
  const t0 = performance.now();
  for (const m of msgs) {
    try {
      await parse(m);
    } catch {
      failures++;
    }
  }
  return { ms: performance.now() - t0, failures };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const msgs = loadCorpus();
if (msgs.length === 0) {
  console.error(`no corpus under ${CORPUS_DIR}; run ../shared/corpus/get-corpus.sh first`);
  process.exit(1);
}
const bytes = msgs.reduce((a, m) => a + m.byteLength, 0);
console.log(`corpus: ${msgs.length} messages, ${(bytes / 1048576).toFixed(1)} MiB, one core, sequential`);
const only = process.argv[2];
const chosen = Object.entries(parsers).filter(([name]) => !only || name.startsWith(only));
for (const [, parse] of chosen) for (let i = 0; i < WARMUP_PASSES; i++) await pass(parse, msgs);
// Rounds interleave the parsers so a noisy neighbour on the machine hurts all of them alike.
const rates = new Map<string, number[]>();
const failures = new Map<string, number>();
for (let r = 0; r < TIMED_PASSES; r++) {
  for (const [name, parse] of chosen) {
    const { ms, failures: f } = await pass(parse, msgs);
    rates.set(name, [...(rates.get(name) ?? []), (msgs.length / ms) * 1000]);
    failures.set(name, f);
  }
}
for (const [name] of chosen) {
  const rate = median(rates.get(name) ?? [0]);
  console.log(
    `${name.padEnd(22)} ${rate.toFixed(0).padStart(6)} msgs/s  ${(1000 / rate).toFixed(3)} ms/msg  failures ${failures.get(name)}/${msgs.length}`,
  );
}
