// serve-static: encoding negotiation, cache headers, content types, ETags, traversal refusal and the not-built error, over a real HTTP server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { MemoryLogger } from '../log/memory-logger.ts';
import {
  acceptedEncodings,
  createStaticSite,
  IMMUTABLE_CACHE_CONTROL,
  INDEX_CACHE_CONTROL,
  isStaticPath,
  resolveStaticFile,
} from './serve-static.ts';

const INDEX = '<!doctype html><title>t</title><script type="module" src="/assets/app-ABC.js"></script>';
const JS = 'console.log("app");'.repeat(50);
const CSS = 'body{color:red}';
const SECRET = 'top secret';

let dir: string;
let root: string;
let server: Server;
let base: { host: string; port: number };
const log = new MemoryLogger();

function serveFrom(siteRoot: string, logger = log): Server {
  const site = createStaticSite({ root: siteRoot, log: logger });
  // As the controller does: only the path of the parsed target, query dropped.
  return createServer((req, res) => void site.serve(req, res, new URL(req.url ?? '/', 'http://x').pathname));
}

async function listen(s: Server): Promise<{ host: string; port: number }> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { host: '127.0.0.1', port: (s.address() as AddressInfo).port };
}

/** A raw request: the path goes on the wire exactly as given (fetch would normalise dot segments). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET', to = base): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...to, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'winnow-static-'));
  root = join(dir, 'web');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'index.html.gz'), gzipSync(INDEX));
  writeFileSync(join(root, 'index.html.br'), brotliCompressSync(INDEX));
  writeFileSync(join(root, 'assets', 'app-ABC.js'), JS);
  writeFileSync(join(root, 'assets', 'app-ABC.js.gz'), gzipSync(JS));
  writeFileSync(join(root, 'assets', 'app-ABC.js.br'), brotliCompressSync(JS));
  writeFileSync(join(root, 'assets', 'app-DEF.css'), CSS); // no compressed copies: served plain
  writeFileSync(join(root, 'assets', '.hidden.js'), SECRET);
  server = serveFrom(root);
  base = await listen(server);
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('Accept-Encoding parsing follows q-values and *', () => {
  const cases: [string | undefined, string[]][] = [
    [undefined, []],
    ['', []],
    ['gzip, deflate, br', ['br', 'deflate', 'gzip']],
    ['br;q=0, gzip', ['gzip']],
    ['gzip;q=0.5, br;q=1.0', ['br', 'gzip']],
    ['*', ['br', 'gzip']],
    ['*, br;q=0', ['gzip']],
    ['identity', ['identity']],
    ['GZIP ; Q=0.8', ['gzip']],
  ];
  for (const [header, want] of cases) assert.deepEqual([...acceptedEncodings(header)].sort(), want, String(header));
});

test('only /, /index.html and /assets/ belong to the UI', () => {
  assert.ok(isStaticPath('/'));
  assert.ok(isStaticPath('/index.html'));
  assert.ok(isStaticPath('/assets/app-X.js'));
  assert.ok(!isStaticPath('/stat'));
  assert.ok(!isStaticPath('/api/status'));
});

test('paths that climb out, hide or smuggle separators resolve to nothing', () => {
  for (const p of [
    '/assets/../index.html',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%2fsecret.txt',
    '/assets/%2e%2e',
    '/assets/a%5c..%5csecret.txt',
    '/assets/.hidden.js',
    '/assets/app%00.js',
    '/assets/%E0%A4%A',
    '/assets/',
    '/assets/app-ABC.js.gz',
    '/secret.txt',
    '/../secret.txt',
    `/assets/${'a'.repeat(600)}.js`,
  ]) {
    assert.equal(resolveStaticFile(root, p), undefined, p);
  }
  assert.equal(resolveStaticFile(root, '/assets/app-ABC.js'), join(root, 'assets', 'app-ABC.js'));
});

test('brotli when accepted, gzip otherwise, plain when neither; Vary on every reply', async () => {
  const br = await get('/assets/app-ABC.js', { 'Accept-Encoding': 'gzip, deflate, br' });
  assert.equal(br.status, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(brotliDecompressSync(br.body).toString(), JS);
  assert.equal(br.headers.vary, 'Accept-Encoding');

  const gz = await get('/assets/app-ABC.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.body).toString(), JS);

  const refusedBr = await get('/assets/app-ABC.js', { 'Accept-Encoding': 'br;q=0, gzip;q=0.3' });
  assert.equal(refusedBr.headers['content-encoding'], 'gzip');

  const plain = await get('/assets/app-ABC.js');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body.toString(), JS);
  assert.equal(plain.headers['content-length'], String(Buffer.byteLength(JS)));

  // No precompressed copy: the plain file, whatever the client accepts.
  const css = await get('/assets/app-DEF.css', { 'Accept-Encoding': 'br, gzip' });
  assert.equal(css.headers['content-encoding'], undefined);
  assert.equal(css.body.toString(), CSS);
});

test('hashed assets are immutable for a year, index.html is revalidated; types and security headers', async () => {
  const js = await get('/assets/app-ABC.js');
  assert.equal(js.headers['cache-control'], IMMUTABLE_CACHE_CONTROL);
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  assert.equal(js.headers['x-content-type-options'], 'nosniff');
  const css = await get('/assets/app-DEF.css');
  assert.match(String(css.headers['content-type']), /^text\/css/);

  for (const path of ['/', '/index.html', '/?x=1']) {
    const idx = await get(path, { 'Accept-Encoding': 'br' });
    assert.equal(idx.status, 200, path);
    assert.equal(idx.headers['cache-control'], INDEX_CACHE_CONTROL);
    assert.equal(idx.headers['cache-control'], 'no-cache');
    assert.match(String(idx.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(String(idx.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(brotliDecompressSync(idx.body).toString(), INDEX);
  }
});

test('ETag revalidation answers 304 without a body, per encoding', async () => {
  const first = await get('/', { 'Accept-Encoding': 'gzip' });
  const etag = String(first.headers.etag);
  assert.match(etag, /^".+-gzip"$/);
  const again = await get('/', { 'Accept-Encoding': 'gzip', 'If-None-Match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  // The same tag does not match the brotli variant.
  const other = await get('/', { 'Accept-Encoding': 'br', 'If-None-Match': etag });
  assert.equal(other.status, 200);
});

test('traversal over the wire never reaches files outside the build, and hidden or unknown files are 404', async () => {
  for (const path of [
    '/assets/../../secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/assets/.hidden.js',
    '/assets/app-ABC.js.br',
    '/assets/nope-123.js',
    '/assets/%E0%A4%A',
    '/secret.txt',
  ]) {
    const r = await get(path);
    assert.notEqual(r.status, 200, path);
    assert.ok(!r.body.toString().includes(SECRET), path);
  }
  assert.equal((await get('/assets/nope-123.js')).status, 404);
});

test('HEAD has headers and no body; other methods get 405 with Allow', async () => {
  const head = await get('/assets/app-ABC.js', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(Buffer.byteLength(JS)));
  assert.equal(head.body.length, 0);
  const post = await get('/', {}, 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

test('a missing build is a clear 500 telling how to build it, logged once per incident', async () => {
  const missingLog = new MemoryLogger();
  const s = serveFrom(join(dir, 'not-built'), missingLog);
  const to = await listen(s);
  try {
    for (let i = 0; i < 3; i++) {
      const r = await get('/', {}, 'GET', to);
      assert.equal(r.status, 500);
      assert.match(r.body.toString(), /npm run build:web/);
    }
    assert.equal((await get('/assets/app-ABC.js', {}, 'GET', to)).status, 404);
    const errors = missingLog.records.filter((r) => r.level === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0].msg, /npm run build:web/);
  } finally {
    s.close();
  }
});
