import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { closeWithGrace } from './drain-server.ts';

test('closeWithGrace resolves once connections end, and cuts them after the grace', async () => {
  const sockets = new Set<Socket>();
  const server = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  await new Promise((r) => client.once('connect', r));
  while (sockets.size === 0) await new Promise((r) => setImmediate(r));
  let cut = 0;
  const t0 = Date.now();
  await closeWithGrace(server, 100, () => {
    cut++;
    for (const s of sockets) s.destroy();
  });
  assert.equal(cut, 1);
  assert.ok(Date.now() - t0 >= 90, 'waited for the grace');
  assert.equal(server.listening, false);
});

test('closeWithGrace with no connections resolves at once without cutting', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let cut = 0;
  await closeWithGrace(server, 10_000, () => cut++);
  assert.equal(cut, 0);
});
