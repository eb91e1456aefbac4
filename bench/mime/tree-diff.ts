// Compares winnow's synchronous part-tree builder (src/mime/mime-tree.ts) with postal-mime's own parser (src/mime/postal-tree.ts) on every corpus message, and times both; run it after upgrading postal-mime.
// Usage: npx node bench/mime/tree-diff.ts
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseTree } from '../../src/mime/mime-tree.ts';
import type { TreeNode } from '../../src/mime/mime-tree.ts';
import { parseTree as parseTreeWithLibrary } from '../../src/mime/postal-tree.ts';

const CORPUS_DIR = new URL('../../.corpus/', import.meta.url).pathname;
const LIMITS = { maxNestingDepth: 256, maxHeadersSize: 2 * 1024 * 1024 };
/** Differences printed in full; the rest are only counted. */
const SHOWN = 10;

function load(): { name: string; raw: Uint8Array }[] {
  const out: { name: string; raw: Uint8Array }[] = [];
  for (const split of ['train', 'test']) {
    for (const cls of ['ham', 'spam']) {
      const dir = join(CORPUS_DIR, split, cls);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).sort()) if (f.endsWith('.eml')) out.push({ name: `${split}/${cls}/${f}`, raw: readFileSync(join(dir, f)) });
    }
  }
  return out;
}

/** The fields callers read, as one string; a container's own content (preamble) is read by nobody. */
function describe(n: TreeNode): string {
  const own = {
    t: n.contentType,
    p: n.params,
    d: n.disposition,
    dp: n.dispositionParams,
    te: n.transferEncoding,
    m: n.multipart,
    h: n.headers,
    c: n.multipart ? undefined : Buffer.from(n.content ?? new Uint8Array(0)).toString('base64'),
    x: n.multipart ? undefined : n.text(),
  };
  return `${JSON.stringify(own)}[${n.children.map(describe).join(',')}]`;
}

const msgs = load();
if (msgs.length === 0) {
  console.error(`no corpus under ${CORPUS_DIR}`);
  process.exit(1);
}
let differ = 0;
let ownMs = 0;
let libMs = 0;
for (const m of msgs) {
  const t0 = performance.now();
  const own = parseTree(m.raw, LIMITS);
  const t1 = performance.now();
  const lib = await parseTreeWithLibrary(m.raw, LIMITS);
  const t2 = performance.now();
  ownMs += t1 - t0;
  libMs += t2 - t1;
  const a = describe(own.root) + String(own.error?.message);
  const b = describe(lib.root) + String(lib.error?.message);
  if (a !== b && ++differ <= SHOWN) {
    let i = 0;
    while (a[i] === b[i]) i++;
    console.log(`${m.name}\n  own ${a.slice(Math.max(0, i - 80), i + 80)}\n  lib ${b.slice(Math.max(0, i - 80), i + 80)}`);
  }
}
const rate = (ms: number): string => `${((msgs.length / ms) * 1000).toFixed(0)} msgs/s`;
console.log(`${msgs.length} messages: ${differ} trees differ; mime-tree ${rate(ownMs)}, postal-mime ${rate(libMs)} (one pass each, not a benchmark)`);
process.exitCode = differ > 0 ? 1 : 0;
