// Table tests of PROXY protocol v1/v2 header encoding (byte layouts from the HAProxy spec).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyHeader, proxyV1, proxyV2, PROXY_V2_SIGNATURE } from './proxy-protocol.ts';

test('v1 headers for IPv4, IPv6, mixed and unusable endpoints', () => {
  const table: [string, number, string, number, string][] = [
    ['192.0.2.10', 40000, '127.0.0.1', 8025, 'PROXY TCP4 192.0.2.10 127.0.0.1 40000 8025\r\n'],
    ['::ffff:192.0.2.10', 1, '::ffff:127.0.0.1', 25, 'PROXY TCP4 192.0.2.10 127.0.0.1 1 25\r\n'],
    ['2001:db8::1', 5000, '::1', 8025, 'PROXY TCP6 2001:db8::1 ::1 5000 8025\r\n'],
    ['192.0.2.10', 5000, '2001:db8::25', 25, 'PROXY TCP6 ::ffff:192.0.2.10 2001:db8::25 5000 25\r\n'],
    ['fe80::1%eth0', 5000, '::1', 25, 'PROXY TCP6 fe80::1 ::1 5000 25\r\n'],
    ['not-an-ip', 5000, '127.0.0.1', 25, 'PROXY UNKNOWN\r\n'],
  ];
  for (const [sa, sp, da, dp, want] of table) {
    assert.equal(proxyV1({ address: sa, port: sp }, { address: da, port: dp }).toString('latin1'), want, `${sa} -> ${da}`);
  }
});

test('v2 header for IPv4: signature, 0x21, TCP4, length 12, addresses and ports in network order', () => {
  const h = proxyV2({ address: '192.0.2.10', port: 40000 }, { address: '127.0.0.1', port: 8025 });
  assert.deepEqual(h.subarray(0, 12), PROXY_V2_SIGNATURE);
  assert.equal(h.subarray(0, 12).toString('latin1'), '\r\n\r\n\0\r\nQUIT\n');
  assert.deepEqual([...h.subarray(12)], [0x21, 0x11, 0x00, 0x0c, 192, 0, 2, 10, 127, 0, 0, 1, 0x9c, 0x40, 0x1f, 0x59]);
  assert.equal(h.length, 16 + 12);
});

test('v2 header for IPv6: TCP6, length 36, 16-byte addresses', () => {
  const h = proxyV2({ address: '2001:db8::1', port: 25 }, { address: '::1', port: 8025 });
  assert.equal(h.length, 16 + 36);
  assert.deepEqual([...h.subarray(12, 16)], [0x21, 0x21, 0x00, 0x24]);
  assert.equal(h.subarray(16, 32).toString('hex'), '20010db8000000000000000000000001');
  assert.equal(h.subarray(32, 48).toString('hex'), '00000000000000000000000000000001');
  assert.deepEqual([...h.subarray(48)], [0x00, 0x19, 0x1f, 0x59]);
  const mixed = proxyV2({ address: '192.0.2.10', port: 1 }, { address: '::1', port: 2 });
  assert.equal(mixed.subarray(16, 32).toString('hex'), '00000000000000000000ffffc000020a');
});

test('v2 LOCAL header when addresses are unusable; none sends nothing', () => {
  const h = proxyV2({ address: 'x', port: 1 }, { address: 'y', port: 2 });
  assert.deepEqual([...h.subarray(12)], [0x20, 0x00, 0x00, 0x00]);
  assert.equal(proxyHeader('none', { address: '192.0.2.1', port: 1 }, { address: '127.0.0.1', port: 2 }).length, 0);
  assert.match(proxyHeader('v1', { address: '192.0.2.1', port: 1 }, { address: '127.0.0.1', port: 2 }).toString(), /^PROXY TCP4 /);
});
