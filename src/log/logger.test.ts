import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from './logger.ts';

function capture(): { lines: Record<string, unknown>[]; stream: { write(s: string): void } } {
  const lines: Record<string, unknown>[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } };
}

test('a child logs with its own and its ancestors’ fields, built on first use', () => {
  const { lines, stream } = capture();
  const root = createLogger('info', { role: 'test' }, stream);
  const scan = root.child({ queueId: 'Q1' });
  const check = scan.child({ check: 'greylist' });
  check.warn({ reason: 'x' }, 'check said something');
  scan.info({}, 'scan said something');
  root.error({ n: 1 }, 'root said something');
  assert.equal(lines.length, 3);
  assert.deepEqual(
    lines.map((l) => [l.msg, l.role, l.queueId, l.check, l.reason ?? l.n]),
    [
      ['check said something', 'test', 'Q1', 'greylist', 'x'],
      ['scan said something', 'test', 'Q1', undefined, undefined],
      ['root said something', 'test', undefined, undefined, 1],
    ],
  );
  assert.equal(lines[0].level, 40);
});

test('calls below the level print nothing, from the root or from a child', () => {
  const { lines, stream } = capture();
  const root = createLogger('warn', {}, stream);
  const child = root.child({ check: 'c' });
  child.debug({}, 'hidden');
  child.info({}, 'hidden');
  root.info({}, 'hidden');
  child.warn({}, 'shown');
  assert.deepEqual(
    lines.map((l) => [l.msg, l.check]),
    [['shown', 'c']],
  );
});

test('siblings keep their own fields', () => {
  const { lines, stream } = capture();
  const root = createLogger('debug', {}, stream);
  const a = root.child({ check: 'a' });
  const b = root.child({ check: 'b' });
  b.debug({}, 'from b');
  a.debug({}, 'from a');
  b.debug({}, 'from b again');
  assert.deepEqual(
    lines.map((l) => l.check),
    ['b', 'a', 'b'],
  );
});
