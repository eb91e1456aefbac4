import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessageId } from './message-id.ts';

test('parseMessageId strips brackets and copes with junk', async (t) => {
  const cases: [string, string | undefined][] = [
    ['<abc@example.com>', 'abc@example.com'],
    ['  <abc@example.com> (comment)', 'abc@example.com'],
    ['abc@example.com', 'abc@example.com'],
    ['abc@example.com trailing', 'abc@example.com'],
    ['<>', undefined],
    ['', undefined],
  ];
  for (const [input, id] of cases) await t.test(JSON.stringify(input), () => assert.equal(parseMessageId(input), id));
});
