// First-load weight of the web UI: compressed bytes of index.html plus every asset it pulls in, from dist/web or over HTTP from a running controller.
// Usage: node bench/ui/first-load.ts [--root dist/web] [--url http://127.0.0.1:11334]   (budget: issue #7, 300 KB transferred)

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_WEB_ROOT } from '../../src/web/serve-static.ts';

/** The budget for everything the first visit transfers. */
export const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;
const ENCODINGS = ['br', 'gzip', 'identity'] as const;
type Encoding = (typeof ENCODINGS)[number];
const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz', identity: '' };

/** `/assets/…` URLs a file refers to: script/link tags, module imports, CSS url(). */
export function referencedAssets(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/["'(]\s*(\/assets\/[^"')\s?#]+)/g)) found.add(m[1]);
  return [...found];
}

export interface LoadRow {
  path: string;
  bytes: Record<Encoding, number>;
}

/** Walks index.html and what it references (transitively) in a built tree; sizes of each stored variant (a missing compressed copy counts as the plain file). */
export function measureBuild(root: string): LoadRow[] {
  const rows: LoadRow[] = [];
  const seen = new Set<string>();
  const visit = (urlPath: string) => {
    if (seen.has(urlPath)) return;
    seen.add(urlPath);
    const file = join(root, urlPath === '/' ? 'index.html' : urlPath.slice(1));
    if (!existsSync(file)) throw new Error(`${urlPath} is referenced but ${file} does not exist`);
    const plain = readFileSync(file);
    const bytes = {} as Record<Encoding, number>;
    for (const e of ENCODINGS) bytes[e] = existsSync(file + SUFFIX[e]) ? readFileSync(file + SUFFIX[e]).length : plain.length;
    rows.push({ path: urlPath, bytes });
    if (/\.(html|js|css)$/.test(file) || urlPath === '/') for (const ref of referencedAssets(plain.toString('utf8'))) visit(ref);
  };
  visit('/');
  return rows;
}

/** The same walk over HTTP: bytes on the wire per encoding the server picked (body plus response head). */
export async function measureUrl(base: string, encoding: Encoding): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  const seen = new Set<string>();
  const visit = async (urlPath: string) => {
    if (seen.has(urlPath)) return;
    seen.add(urlPath);
    const res = await fetch(new URL(urlPath, base), { headers: { 'Accept-Encoding': encoding } });
    if (!res.ok) throw new Error(`GET ${urlPath}: ${res.status}`);
    // fetch decodes the body; the stored length is what crossed the wire.
    const wire = Number(res.headers.get('Content-Length'));
    const text = await res.text();
    let head = 17; // "HTTP/1.1 200 OK\r\n"
    res.headers.forEach((v, k) => (head += k.length + v.length + 4));
    const bytes = { br: 0, gzip: 0, identity: 0 };
    bytes[encoding] = (Number.isFinite(wire) && wire > 0 ? wire : Buffer.byteLength(text)) + head + 2;
    rows.push({ path: urlPath, bytes });
    for (const ref of referencedAssets(text)) await visit(ref);
  };
  await visit('/');
  return rows;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { root: { type: 'string' }, url: { type: 'string' } } });
  let totals: Partial<Record<Encoding, number>> = {};
  if (values.url) {
    for (const e of ENCODINGS) {
      const rows = await measureUrl(values.url, e);
      totals[e] = rows.reduce((s, r) => s + r.bytes[e], 0);
      if (e === 'br') for (const r of rows) console.log(`  ${r.path.padEnd(36)} ${kb(r.bytes.br).padStart(9)} (br, with headers)`);
    }
  } else {
    const root = resolve(values.root ?? DEFAULT_WEB_ROOT);
    if (!existsSync(join(root, 'index.html'))) throw new Error(`no build in ${root}: run npm run build:web`);
    const rows = measureBuild(root);
    for (const r of rows) console.log(`  ${r.path.padEnd(36)} br ${kb(r.bytes.br).padStart(9)}  gzip ${kb(r.bytes.gzip).padStart(9)}  plain ${kb(r.bytes.identity).padStart(9)}`);
    totals = Object.fromEntries(ENCODINGS.map((e) => [e, rows.reduce((s, r) => s + r.bytes[e], 0)]));
  }
  console.log(`first load: br ${kb(totals.br!)} · gzip ${kb(totals.gzip!)} · uncompressed ${kb(totals.identity!)} (budget ${kb(FIRST_LOAD_BUDGET_BYTES)})`);
  if (totals.gzip! > FIRST_LOAD_BUDGET_BYTES) {
    console.error('first load is over budget (gzip)');
    process.exitCode = 1;
  }
}

if (import.meta.main) await main();
