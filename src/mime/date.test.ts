import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMailDate } from './date.ts';

test('parseMailDate reads RFC 5322 dates and their obsolete and broken forms', async (t) => {
  const cases: [string, string | undefined][] = [
    ['Thu, 22 Aug 2002 13:24:37 -0400', '2002-08-22T17:24:37.000Z'],
    ['Thu, 22 Aug 2002 13:24:37 -0400 (EDT)', '2002-08-22T17:24:37.000Z'],
    ['22 Aug 2002 13:24:37 +0000', '2002-08-22T13:24:37.000Z'],
    ['Thu,22 Aug 2002 13:24 GMT', '2002-08-22T13:24:00.000Z'],
    ['Thu, 22 Aug 02 13:24:37 EST', '2002-08-22T18:24:37.000Z'],
    ['Thu, 22 Aug 99 13:24:37 PDT', '1999-08-22T20:24:37.000Z'],
    ['Thu, 22 Aug 102 13:24:37 +0000', '2002-08-22T13:24:37.000Z'],
    ['Wed, 24 Jul 0102 21:48:06 +1200', '2002-07-24T09:48:06.000Z'],
    ['Thu, 1 August 2002 13:24:37 +0200', '2002-08-01T11:24:37.000Z'],
    ['Thu, 22-Aug-2002 13:24:37 +0000', '2002-08-22T13:24:37.000Z'],
    ['Thu, 22 Aug 2002 13:24:37 X', '2002-08-22T13:24:37.000Z'],
    ['Thu, 22 Aug 2002 13:24:37', '2002-08-22T13:24:37.000Z'],
    ['  Thu,   22  Aug   2002  13:24:37   +0530 ', '2002-08-22T07:54:37.000Z'],
    ['Thu Aug 22 13:24:37 2002', '2002-08-22T13:24:37.000Z'],
    ['Thu Aug 22 13:24:37 -0400 2002', '2002-08-22T17:24:37.000Z'],
    ['2002-08-22T13:24:37Z', '2002-08-22T13:24:37.000Z'],
    ['2002-08-22 13:24:37 +02:00', '2002-08-22T11:24:37.000Z'],
    ['2002/09/14 Sat 13:06:03 GMT', '2002-09-14T13:06:03.000Z'],
    ['Thu, 31 Feb 2002 13:24:37 +0000', undefined],
    ['Thu, 22 Foo 2002 13:24:37 +0000', undefined],
    ['Thu, 22 Aug 2002 25:24:37 +0000', undefined],
    ['Thu, 22 Aug 2002 13:24:37 +9900', undefined],
    ['yesterday', undefined],
    ['', undefined],
  ];
  for (const [input, iso] of cases) {
    await t.test(JSON.stringify(input), () => {
      assert.equal(parseMailDate(input)?.toISOString(), iso);
    });
  }
});
