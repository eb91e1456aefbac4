// Tests for the list routes: every bad line named by the list's own parser, nothing written on refusal, atomic saves, rspamd's /maps shapes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMap } from '../../maps/matchers.ts';
import type { EditableMap } from './controller-types.ts';
import { lineProblems, MAX_REPORTED_LINES } from './maps-route.ts';
import { loginHeaders, startTestController, type TestController } from './controller-testing.ts';

test('lineProblems: every bad line, with the parser’s message, in order; none for good text', () => {
  const ip = (t: string) => parseMap('ip', t);
  assert.deepEqual(lineProblems('192.0.2.1\n10.0.0.0/8 # lan\n', ip), []);
  const bad = lineProblems('192.0.2.1\n300.1.2.3\n# fine\n2001:db8::/129\n10.0.0.0/8\n', ip);
  assert.deepEqual(bad.map((p) => p.line), [2, 4]);
  assert.ok(bad.every((p) => p.message.length > 0 && !p.message.startsWith('line ')));
  const many = lineProblems(Array.from({ length: 50 }, () => 'nope').join('\n'), ip);
  assert.equal(many.length, MAX_REPORTED_LINES);
  assert.deepEqual(lineProblems('/(a+)+$/\n', (t) => parseMap('regex', t)).map((p) => p.line), [1], 'nested quantifiers are refused by the regex parser');
  assert.deepEqual(lineProblems('x', () => { throw new Error('no line here'); }), [{ line: 0, message: 'no line here' }]);
});

const dir = mkdtempSync(join(tmpdir(), 'winnow-maps-route-'));
const ipFile = join(dir, 'bad-ips.map');
const shipped = join(dir, 'shipped.txt');
const later = join(dir, 'not-yet.map');
const reloaded: string[] = [];
let c: TestController;
before(async () => {
  writeFileSync(ipFile, '# blocked\n192.0.2.1\n');
  writeFileSync(shipped, 'example.org\n');
  const maps: EditableMap[] = [
    { id: 0, path: ipFile, type: 'ip', description: 'ip list for LOCAL_BL', symbol: 'LOCAL_BL', editable: true, parse: (t) => parseMap('ip', t) },
    { id: 1, path: shipped, type: 'domain', description: 'shipped', editable: false, parse: (t) => parseMap('domain', t) },
    { id: 2, path: later, type: 'email', description: 'optional', editable: true, parse: (t) => parseMap('email', t) },
  ];
  c = await startTestController({ maps: () => maps, reloadMapFile: async (p) => void reloaded.push(p) });
});
after(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /maps (rspamd) and /api/maps list the files; /getmap and /api/maps/<id> return the text', async () => {
  const list = (await (await fetch(`${c.url}/maps`, { headers: { Password: 'read-pw' } })).json()) as Record<string, unknown>[];
  assert.deepEqual(list[0], { map: 0, id: '0', uri: ipFile, description: 'ip list for LOCAL_BL', editable: true, type: 'ip', symbol: 'LOCAL_BL' });
  assert.equal(list[1].editable, false);
  const text = await fetch(`${c.url}/getmap`, { headers: { Password: 'read-pw', Map: '0' } });
  assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await text.text(), '# blocked\n192.0.2.1\n');
  assert.equal(await (await fetch(`${c.url}/api/maps/2`, { headers: { Password: 'read-pw' } })).text(), '', 'a list not created yet reads empty');
  const noId = await fetch(`${c.url}/getmap`, { headers: { Password: 'read-pw' } });
  assert.deepEqual([noId.status, await noId.json()], [400, { error: 'Map id not specified' }]);
  assert.equal((await fetch(`${c.url}/getmap`, { headers: { Password: 'read-pw', Map: '9' } })).status, 404);
  assert.equal((await fetch(`${c.url}/getmap`, { headers: { Password: 'read-pw', Map: 'abc' } })).status, 400);
});

test('a list with bad lines is refused naming each line, and the file is untouched', async () => {
  const h = await loginHeaders(c.url, 'enable-pw');
  const res = await fetch(`${c.url}/api/maps/0`, { method: 'PUT', headers: h, body: '192.0.2.1\nnot-an-ip\n198.51.100.0/24\n999.0.0.1\n' });
  assert.equal(res.status, 400);
  const e = ((await res.json()) as { error: { code: string; field: string; message: string; lines: { line: number }[] } }).error;
  assert.equal(e.code, 'ERR_MAP_INVALID');
  assert.equal(e.field, 'content');
  assert.deepEqual(e.lines.map((l) => l.line), [2, 4]);
  assert.match(e.message, /^line 2: /);
  assert.equal(readFileSync(ipFile, 'utf8'), '# blocked\n192.0.2.1\n');
  assert.deepEqual(reloaded, []);
});

test('a valid list is saved (rspamd /savemap and PUT /api/maps/<id>), reloaded here, no temp file left; a new file is created', async () => {
  const save = await fetch(`${c.url}/savemap`, { method: 'POST', headers: { Password: 'enable-pw', Map: '0' }, body: '# blocked\n192.0.2.1\n203.0.113.0/24\n' });
  assert.deepEqual([save.status, await save.json()], [200, { success: true }]);
  assert.equal(readFileSync(ipFile, 'utf8'), '# blocked\n192.0.2.1\n203.0.113.0/24\n');
  assert.deepEqual(reloaded, [ipFile]);
  const h = await loginHeaders(c.url, 'enable-pw');
  const created = await fetch(`${c.url}/api/maps/2`, { method: 'PUT', headers: h, body: 'friend@example.org\n@partner.example\n' });
  assert.equal(created.status, 200);
  assert.ok(existsSync(later));
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('a shipped list is not editable; the read password cannot save', async () => {
  const h = await loginHeaders(c.url, 'enable-pw');
  const res = await fetch(`${c.url}/api/maps/1`, { method: 'PUT', headers: h, body: 'example.net\n' });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_MAP_READ_ONLY');
  const ro = await fetch(`${c.url}/savemap`, { method: 'POST', headers: { Password: 'read-pw', Map: '0' }, body: '192.0.2.9\n' });
  assert.equal(ro.status, 401);
  assert.equal(readFileSync(shipped, 'utf8'), 'example.org\n');
});
