import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressList } from './addresses.ts';

test('parseAddressList reads mailboxes and flattens groups', async (t) => {
  const cases: [string, [string, string, string][]][] = [
    ['user@Example.COM', [['', 'user@Example.COM', 'example.com']]],
    ['"Joe, Q" <JOE@Example.COM>', [['Joe, Q', 'JOE@Example.COM', 'example.com']]],
    ['=?utf-8?B?SsO2cmc=?= <j@x.de>', [['Jörg', 'j@x.de', 'x.de']]],
    ['a@b.c, Name <d@E.F>', [['', 'a@b.c', 'b.c'], ['Name', 'd@E.F', 'e.f']]],
    ['team: a@b.c, d@e.f;', [['', 'a@b.c', 'b.c'], ['', 'd@e.f', 'e.f']]],
    ['undisclosed-recipients:;', []],
    ['just a name', [['just a name', '', '']]],
    ['', []],
  ];
  for (const [input, expected] of cases) {
    await t.test(JSON.stringify(input), () => {
      assert.deepEqual(
        parseAddressList(input).map((a) => [a.name, a.address, a.domain]),
        expected,
      );
    });
  }
});
