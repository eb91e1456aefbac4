// guardErrors maps failures from every kind of store method and leaves results and `this` intact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WinnowError } from '../errors.ts';
import { guardErrors } from './guard.ts';

class Inner {
  #secret = 7;
  async ok(): Promise<number> {
    return this.#secret;
  }
  async fails(): Promise<void> {
    throw new Error('backend down');
  }
}

class Outer {
  readonly inner = new Inner();
  #items = [1, 2];
  syncThrows(): never {
    throw new Error('sync');
  }
  plain(): string {
    return 'plain';
  }
  async *rows(failAfter: number): AsyncIterable<number> {
    for (const x of this.#items) {
      if (x > failAfter) throw new Error('iteration broke');
      yield x;
    }
  }
}

const map = (err: unknown) => new WinnowError('ERR_STORE_UNAVAILABLE', `mapped: ${(err as Error).message}`, { cause: err });

test('guardErrors: promises, sync throws, iterables and nested objects', async () => {
  const g = guardErrors(new Outer(), map);
  assert.equal(await g.inner.ok(), 7, 'private fields still reachable');
  await assert.rejects(g.inner.fails(), { code: 'ERR_STORE_UNAVAILABLE', message: 'mapped: backend down' });
  assert.throws(() => g.syncThrows(), { code: 'ERR_STORE_UNAVAILABLE', message: 'mapped: sync' });
  assert.equal(g.plain(), 'plain');
  const got: number[] = [];
  for await (const x of g.rows(5)) got.push(x);
  assert.deepEqual(got, [1, 2]);
  await assert.rejects(
    (async () => {
      for await (const _ of g.rows(1));
    })(),
    { code: 'ERR_STORE_UNAVAILABLE', message: 'mapped: iteration broke' },
  );
  assert.equal(g.inner, g.inner, 'nested proxies are cached');
});
