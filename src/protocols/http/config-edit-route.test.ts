// Tests for threshold and weight edits over HTTP: input checks naming fields, nothing written on refusal, written then reloaded on success.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinChecks } from '../../checks/index.ts';
import { createConfigEditor } from '../../config/config-edit.ts';
import { loadConfigFile } from '../../config/load.ts';
import { HttpError } from './respond.ts';
import { parseActionsArray, parseActionsObject, parseWeightList } from './config-edit-route.ts';
import { loginHeaders, startTestController, type TestController } from './controller-testing.ts';

const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 400);
    return err.fields.map((f) => f.field);
  }
  assert.fail('expected a refusal');
};

test('PUT /api/actions bodies: numbers or null per known key; strings, NaN-ish values and unknown keys named', () => {
  assert.deepEqual(parseActionsObject({ reject: 12, greylist: null }), { reject: 12, greylist: null });
  assert.deepEqual(fieldsOf(() => parseActionsObject({ reject: '12', add_header: true, spam: 3, greylist: 4 })), ['reject', 'add_header', 'spam']);
  assert.deepEqual(fieldsOf(() => parseActionsObject({})), []);
  assert.deepEqual(fieldsOf(() => parseActionsObject([1, 2])), []);
});

test("/saveactions arrays follow rspamd's order [reject, rewrite subject, add header, greylist] (+ soft reject)", () => {
  assert.deepEqual(parseActionsArray([15, null, 6, 4]), { reject: 15, rewrite_subject: null, add_header: 6, greylist: 4 });
  assert.deepEqual(parseActionsArray([15, null, 6, 4, 10]), { reject: 15, rewrite_subject: null, add_header: 6, greylist: 4, soft_reject: 10 });
  assert.deepEqual(fieldsOf(() => parseActionsArray([15, 'x', 6, 4])), ['rewrite_subject']);
  assert.deepEqual(fieldsOf(() => parseActionsArray([15, 6])), []);
});

test('/savesymbols lists: known names, finite numbers', () => {
  const known = (n: string) => n === 'A' || n === 'B';
  assert.deepEqual(parseWeightList([{ name: 'A', value: 1 }, { name: 'B', value: -2.5 }], known), { A: 1, B: -2.5 });
  assert.deepEqual(fieldsOf(() => parseWeightList([{ name: 'A', value: 'heavy' }, { name: 'Z', value: 1 }, { value: 1 }], known)), ['A', 'Z', '[2].name']);
});

const dir = mkdtempSync(join(tmpdir(), 'winnow-edit-route-'));
const configPath = join(dir, 'winnow.yaml');
const ORIGINAL = '# comment kept\nactions:\n  reject: 15\n  add_header: 6\n  greylist: 4\n';
let reloads = 0;
let c: TestController;
let noFile: TestController;
before(async () => {
  writeFileSync(configPath, ORIGINAL);
  c = await startTestController({
    config: createConfigEditor(configPath, builtinChecks),
    reload: async () => {
      reloads++;
      return { ok: true, generation: 2 };
    },
  });
  noFile = await startTestController({ auth: { secureIp: ['127.0.0.1/32'] } });
});
after(async () => {
  await c.close();
  await noFile.close();
  rmSync(dir, { recursive: true, force: true });
});

test('PUT /api/actions: refused input names the field and writes nothing; valid input is written and reloaded', async () => {
  const h = { ...(await loginHeaders(c.url, 'enable-pw')), 'Content-Type': 'application/json' };
  const outOfOrder = await fetch(`${c.url}/api/actions`, { method: 'PUT', headers: h, body: JSON.stringify({ add_header: 2 }) });
  assert.equal(outOfOrder.status, 400);
  const e = ((await outOfOrder.json()) as { error: { code: string; field: string; message: string } }).error;
  assert.equal(e.code, 'ERR_CONFIG_INVALID');
  assert.equal(e.field, 'add_header');
  assert.match(e.message, /below greylist/);
  const notNumber = await fetch(`${c.url}/api/actions`, { method: 'PUT', headers: h, body: JSON.stringify({ reject: 'lots' }) });
  assert.equal(notNumber.status, 400);
  assert.equal(((await notNumber.json()) as { error: { field: string } }).error.field, 'reject');
  assert.equal(readFileSync(configPath, 'utf8'), ORIGINAL);
  assert.equal(reloads, 0);

  const ok = await fetch(`${c.url}/api/actions`, { method: 'PUT', headers: h, body: JSON.stringify({ reject: 11, add_header: 5 }) });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { success: true, applied: true, generation: 2 });
  assert.equal(ok.headers.get('connection'), 'close');
  assert.equal(reloads, 1);
  assert.match(readFileSync(configPath, 'utf8'), /^# comment kept$/m);
  assert.equal(loadConfigFile(configPath, builtinChecks).file.actions.reject, 11);
});

test('PUT /api/symbols/<NAME> and /savesymbols: unknown symbol 404, bad weight 400, good weight written', async () => {
  const h = { ...(await loginHeaders(c.url, 'enable-pw')), 'Content-Type': 'application/json' };
  const unknown = await fetch(`${c.url}/api/symbols/NO_SUCH`, { method: 'PUT', headers: h, body: '{"weight":1}' });
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'ERR_UNKNOWN_SYMBOL');
  const bad = await fetch(`${c.url}/api/symbols/UI_BITS`, { method: 'PUT', headers: h, body: '{"weight":"2"}' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { field: string } }).error.field, 'weight');
  const ok = await fetch(`${c.url}/api/symbols/UI_BITS`, { method: 'PUT', headers: h, body: '{"weight":2.25}' });
  assert.equal(ok.status, 200);
  assert.deepEqual(loadConfigFile(configPath, builtinChecks).file.symbols.UI_BITS, { weight: 2.25 });
  const rspamd = await fetch(`${c.url}/savesymbols`, { method: 'POST', headers: { Password: 'enable-pw' }, body: JSON.stringify([{ name: 'UI_NICE', value: -4 }]) });
  assert.equal(rspamd.status, 200);
  assert.deepEqual(loadConfigFile(configPath, builtinChecks).file.symbols.UI_NICE, { weight: -4 });
  const refused = await fetch(`${c.url}/savesymbols`, { method: 'POST', headers: { Password: 'enable-pw' }, body: JSON.stringify([{ name: 'UI_NICE', value: 'x' }]) });
  assert.equal(refused.status, 400);
  assert.deepEqual(Object.keys((await refused.json()) as object).sort(), ['error', 'fields'], "rspamd's {error: text} plus the fields");
});

test('/saveactions needs the enable password; the read password is refused', async () => {
  const ro = await fetch(`${c.url}/saveactions`, { method: 'POST', headers: { Password: 'read-pw' }, body: '[15, null, 6, 4]' });
  assert.equal(ro.status, 401);
  const ok = await fetch(`${c.url}/saveactions`, { method: 'POST', headers: { Password: 'enable-pw' }, body: '[14, null, 6, 4]' });
  assert.equal(ok.status, 200);
  assert.equal(loadConfigFile(configPath, builtinChecks).file.actions.reject, 14);
});

test('without a config file edits are 409 ERR_NO_CONFIG_FILE', async () => {
  const res = await fetch(`${noFile.url}/api/actions`, { method: 'PUT', body: '{"reject": 10}' });
  assert.equal(res.status, 409);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_NO_CONFIG_FILE');
  const current = (await (await fetch(`${noFile.url}/api/actions`)).json()) as Record<string, unknown>;
  assert.deepEqual(current, { reject: 15, soft_reject: null, rewrite_subject: null, add_header: 6, greylist: 4 });
});
