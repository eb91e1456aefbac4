// Builds the web UI (src/web/app) into dist/web: one minified bundle with content-hashed names, index.html, and .gz/.br siblings of every file.
// Plain JavaScript so it runs on any Node that npm uses for `prepare` (npm install / npm ci) and `npm run build:web`.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const APP = join(ROOT, 'src', 'web', 'app');
const OUT = join(ROOT, 'dist', 'web');
/** Files below this size are not worth a compressed copy (the header costs more than it saves). */
const MIN_COMPRESS_BYTES = 256;
/** Browsers this bundle must run in: anything from the last few years, no polyfills. */
const TARGETS = ['es2020', 'chrome100', 'firefox100', 'safari15'];

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (err) {
  console.error(`build-web: cannot load esbuild (${err.message}); run npm install first`);
  process.exit(1);
}

const tmp = `${OUT}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(join(tmp, 'assets'), { recursive: true });

let result;
try {
  result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { app: join(APP, 'main.tsx') },
    outdir: join(tmp, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: TARGETS,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(APP, 'tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
} catch {
  // esbuild has already printed the errors with file and line.
  rmSync(tmp, { recursive: true, force: true });
  console.error('build-web: build failed');
  process.exit(1);
}

const outputs = Object.entries(result.metafile.outputs);
const entry = outputs.find(([, o]) => o.entryPoint !== undefined && o.entryPoint.endsWith('main.tsx'));
if (!entry) throw new Error('build-web: esbuild produced no entry bundle');
const [jsPath, jsMeta] = entry;
const assetUrl = (p) => `/assets/${relative(join(tmp, 'assets'), join(ROOT, p)).split('\\').join('/')}`;
const tags = {
  css: jsMeta.cssBundle ? `<link rel="stylesheet" href="${assetUrl(jsMeta.cssBundle)}">` : '',
  js: `<script type="module" src="${assetUrl(jsPath)}"></script>`,
};
const html = readFileSync(join(APP, 'index.html'), 'utf8').replace('<!--winnow:css-->', tags.css).replace('<!--winnow:js-->', tags.js);
writeFileSync(join(tmp, 'index.html'), html);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

const report = [];
for (const file of [...files(tmp)]) {
  const raw = readFileSync(file);
  const row = { file: relative(tmp, file), raw: raw.length, gz: undefined, br: undefined };
  if (raw.length >= MIN_COMPRESS_BYTES) {
    const gz = gzipSync(raw, { level: 9 });
    const br = brotliCompressSync(raw, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length },
    });
    writeFileSync(`${file}.gz`, gz);
    writeFileSync(`${file}.br`, br);
    row.gz = gz.length;
    row.br = br.length;
  }
  report.push(row);
}

// Swap the finished build in whole, so a running controller never serves half of one.
const old = `${OUT}.old-${process.pid}`;
if (existsSync(OUT)) renameSync(OUT, old);
renameSync(tmp, OUT);
rmSync(old, { recursive: true, force: true });

const kb = (n) => (n === undefined ? '-' : `${(n / 1024).toFixed(1)} KB`);
console.log(`build-web: wrote ${relative(ROOT, OUT)} (esbuild ${esbuild.version}, node ${process.version})`);
for (const r of report.sort((a, b) => a.file.localeCompare(b.file))) {
  console.log(`  ${r.file.padEnd(32)} ${kb(r.raw).padStart(10)}  gzip ${kb(r.gz).padStart(9)}  br ${kb(r.br).padStart(9)}`);
}
