// Times parseMessage (optionally plus tokenize) over the whole SpamAssassin corpus on one core: warm-up pass, then interleaved timed rounds, median msgs/s.
// Usage: npx node bench/mime/parse-speed.ts [--rounds N] [--tokenize] [--touch] [--module PATH ...]
// `--module` may be given several times to A/B two parse.ts copies in one process (rounds interleave them).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { tokenize } from '../../src/classifier/tokenizer.ts';
import type { ParsedMessage } from '../../src/mime/model.ts';

const CORPUS_DIR = new URL('../../.corpus/', import.meta.url).pathname;

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    tokenize: { type: 'boolean', default: false },
    // Reads every field of the model, so lazily computed fields are paid for too.
    touch: { type: 'boolean', default: false },
    module: { type: 'string', multiple: true },
  },
});

function loadCorpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const split of ['train', 'test']) {
    for (const cls of ['ham', 'spam']) {
      const dir = join(CORPUS_DIR, split, cls);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).sort()) if (f.endsWith('.eml')) out.push(readFileSync(join(dir, f)));
    }
  }
  return out;
}

type Parse = (raw: Uint8Array) => Promise<ParsedMessage>;

function touchAll(m: ParsedMessage): number {
  let n = m.headers.length + m.parts.length + m.text.length + m.html.length + m.htmlText.length;
  n += m.urls.length + m.emails.length + m.received.length + m.from.length + m.to.length + m.cc.length + m.replyTo.length;
  n += (m.sender ? 1 : 0) + (m.date ? 1 : 0) + (m.messageId?.length ?? 0) + (m.subject?.length ?? 0);
  n += m.rawHeaders.length + m.rawBody.length + m.anomalies.length;
  return n;
}

async function pass(parse: Parse, msgs: Uint8Array[]): Promise<number> {
  let sink = 0;
  const t0 = performance.now();
  for (const raw of msgs) {
    const m = await parse(raw);
    if (args.tokenize) sink += tokenize(m).length;
    if (args.touch) sink += touchAll(m);
  }
  const ms = performance.now() - t0;
  if (sink < 0) console.log(sink);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const msgs = loadCorpus();
if (msgs.length === 0) {
  console.error(`no corpus under ${CORPUS_DIR}`);
  process.exit(1);
}
const modules = args.module && args.module.length > 0 ? args.module : ['src/mime/parse.ts'];
const parsers: [string, Parse][] = [];
for (const m of modules) {
  const mod = (await import(resolve(m))) as { parseMessage: Parse };
  parsers.push([m, mod.parseMessage]);
}
const rounds = Number(args.rounds);
const mb = msgs.reduce((a, m) => a + m.byteLength, 0) / 1048576;
console.log(`corpus: ${msgs.length} messages, ${mb.toFixed(1)} MiB; ${rounds} rounds${args.tokenize ? ' (+tokenize)' : ''}${args.touch ? ' (+touch all fields)' : ''}`);
for (const [, p] of parsers) await pass(p, msgs);
const times = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, p] of parsers) times.set(name, [...(times.get(name) ?? []), await pass(p, msgs)]);
}
for (const [name] of parsers) {
  const ms = median(times.get(name) ?? []);
  console.log(`${name}: median ${((msgs.length / ms) * 1000).toFixed(0)} msgs/s, ${((ms * 1000) / msgs.length).toFixed(1)} µs/msg (rounds: ${(times.get(name) ?? []).map((t) => ((msgs.length / t) * 1000).toFixed(0)).join(' ')})`);
}
