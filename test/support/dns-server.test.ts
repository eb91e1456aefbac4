// Tests of the loopback fixture DNS server, speaking raw DNS over UDP and TCP with dns-packet.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as packet from 'dns-packet';
import { startDnsServer, type DnsServer } from './dns-server.ts';

const NO_REPLY_WAIT_MS = 300;
const RCODE_MASK = 0xf;

let nextId = 1;

function query(name: string, type: packet.RecordType, edns = false): Buffer {
  return packet.encode({
    type: 'query',
    id: nextId++,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
  });
}

/** Sends one UDP query; resolves undefined when no reply comes within NO_REPLY_WAIT_MS. */
async function udpAsk(port: number, msg: Buffer, host = '127.0.0.1'): Promise<packet.DecodedPacket | undefined> {
  const sock = createSocket(host === '::1' ? 'udp6' : 'udp4');
  try {
    const reply = once(sock, 'message') as Promise<[Buffer]>;
    sock.send(msg, port, host);
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), NO_REPLY_WAIT_MS));
    const got = await Promise.race([reply, timeout]);
    return got ? packet.decode(got[0]) : undefined;
  } finally {
    sock.close();
  }
}

async function tcpAsk(port: number, msg: Buffer): Promise<packet.DecodedPacket> {
  const sock = connect(port, '127.0.0.1');
  try {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(msg.length);
    sock.write(Buffer.concat([prefix, msg]));
    let buf = Buffer.alloc(0);
    for await (const chunk of sock) {
      buf = Buffer.concat([buf, chunk as Buffer]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) break;
    }
    return packet.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
  } finally {
    sock.destroy();
  }
}

/** The record data of an answer (OPT pseudo-records have none). */
function data(a: packet.Answer | undefined): unknown {
  return a && 'data' in a ? a.data : undefined;
}

function rcode(p: packet.DecodedPacket): number {
  return (p.flags ?? 0) & RCODE_MASK;
}

describe('startDnsServer', () => {
  let server: DnsServer;
  before(async () => {
    server = await startDnsServer(
      {
        'Example.com.': { A: ['192.0.2.1'], MX: [{ priority: 5, exchange: 'mx.example.com' }], TXT: [['a', 'b']] },
        'alias.example.com': { CNAME: 'example.com', ttl: 7 },
        'big.example.com': { TXT: Array.from({ length: 4 }, () => 'y'.repeat(200)) },
      },
      { failures: { 'slow.example.com': 'timeout', 'broken.example.com': 'servfail', 'no.example.com': 'refused' }, negativeTtl: 60 },
    );
  });
  after(() => server.close());

  it('reports a loopback address with the chosen port', () => {
    assert.ok(server.port > 0);
    assert.equal(server.address, `127.0.0.1:${server.port}`);
  });

  it('answers records authoritatively, names case-insensitive', async () => {
    const r = await udpAsk(server.port, query('EXAMPLE.com', 'A'));
    assert.ok(r);
    assert.equal(r.flag_aa, true);
    assert.equal(rcode(r), 0);
    assert.deepEqual(r.answers?.map((a) => [a.type, data(a)]), [['A', '192.0.2.1']]);
    const mx = await udpAsk(server.port, query('example.com', 'MX'));
    assert.deepEqual(data(mx?.answers?.[0]), { preference: 5, exchange: 'mx.example.com' });
    const txt = await udpAsk(server.port, query('example.com', 'TXT'));
    assert.deepEqual((data(txt?.answers?.[0]) as Buffer[]).map(String), ['a', 'b']);
  });

  it('puts the CNAME and the target records in the answer', async () => {
    const r = await udpAsk(server.port, query('alias.example.com', 'A'));
    assert.deepEqual(r?.answers?.map((a) => [a.type, a.name, data(a)]), [
      ['CNAME', 'alias.example.com', 'example.com'],
      ['A', 'example.com', '192.0.2.1'],
    ]);
    assert.equal((r?.answers?.[0] as { ttl?: number }).ttl, 7);
  });

  it('answers NXDOMAIN for unknown names and NODATA for missing types, with an SOA', async () => {
    const nx = await udpAsk(server.port, query('nope.example.com', 'A'));
    assert.equal(nx && rcode(nx), 3);
    assert.equal(nx?.authorities?.[0].type, 'SOA');
    const nodata = await udpAsk(server.port, query('example.com', 'AAAA'));
    assert.equal(nodata && rcode(nodata), 0);
    assert.equal(nodata?.answers?.length, 0);
    assert.equal(nodata?.authorities?.[0].type, 'SOA');
  });

  it('answers an EDNS query with an OPT record and a plain one without', async () => {
    const edns = await udpAsk(server.port, query('example.com', 'A', true));
    assert.deepEqual(edns?.additionals?.map((a) => a.type), ['OPT']);
    const plain = await udpAsk(server.port, query('example.com', 'A'));
    assert.deepEqual(plain?.additionals, []);
  });

  it('leaves the SOA out with negativeTtl 0', async () => {
    const bare = await startDnsServer({}, { negativeTtl: 0 });
    try {
      const r = await udpAsk(bare.port, query('nope.example', 'A'));
      assert.equal(r && rcode(r), 3);
      assert.deepEqual(r?.authorities, []);
    } finally {
      await bare.close();
    }
  });

  it('fails the names it is told to fail', async () => {
    const sf = await udpAsk(server.port, query('broken.example.com', 'A'));
    assert.equal(sf && rcode(sf), 2);
    const refused = await udpAsk(server.port, query('no.example.com', 'TXT'));
    assert.equal(refused && rcode(refused), 5);
    assert.equal(await udpAsk(server.port, query('slow.example.com', 'A')), undefined);
  });

  it('truncates an over-size UDP answer and gives it whole over TCP', async () => {
    const udp = await udpAsk(server.port, query('big.example.com', 'TXT'));
    assert.equal(udp?.flag_tc, true);
    assert.equal(udp?.answers?.length, 0);
    const udpEdns = await udpAsk(server.port, query('big.example.com', 'TXT', true));
    assert.equal(udpEdns?.flag_tc, false, 'an EDNS payload size of 1232 fits the answer');
    const tcp = await tcpAsk(server.port, query('big.example.com', 'TXT'));
    assert.equal(tcp.flag_tc, false);
    assert.equal(tcp.answers?.length, 4);
  });

  it('counts queries per name and type', async () => {
    server.resetCounts();
    await udpAsk(server.port, query('example.com', 'A'));
    await udpAsk(server.port, query('example.com', 'A'));
    await tcpAsk(server.port, query('example.com', 'MX'));
    assert.equal(server.queryCount('example.com', 'A'), 2);
    assert.equal(server.queryCount('EXAMPLE.COM.'), 3);
    assert.equal(server.queryCount(), 3);
  });

  it('answers NXDOMAIN for everything with nxdomainAll', async () => {
    const nx = await startDnsServer({ 'example.com': { A: ['192.0.2.1'] } }, { nxdomainAll: true });
    try {
      const r = await udpAsk(nx.port, query('example.com', 'A'));
      assert.equal(r && rcode(r), 3);
    } finally {
      await nx.close();
    }
  });

  it('listens on ::1 and refuses non-loopback hosts', async () => {
    const v6 = await startDnsServer({ 'example.com': { A: ['192.0.2.1'] } }, { host: '::1' });
    try {
      const r = await udpAsk(v6.port, query('example.com', 'A'), '::1');
      assert.equal(data(r?.answers?.[0]), '192.0.2.1');
    } finally {
      await v6.close();
    }
    await assert.rejects(startDnsServer({}, { host: '0.0.0.0' as '127.0.0.1' }), /loopback only/);
  });

  it('runs as a CLI that prints its address and answers NXDOMAIN', async () => {
    const script = fileURLToPath(new URL('./dns-server.ts', import.meta.url));
    const child = spawn(process.execPath, [script, '--port', '0', '--nxdomain'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Listened for from the start: a child that dies early must fail the test, not leave it waiting for an exit already gone.
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    try {
      const lines = createInterface({ input: child.stdout });
      const first = await Promise.race([
        once(lines, 'line').then(([l]) => String(l)),
        exited.then(([code]) => `(exited with ${code} before printing: ${stderr})`),
      ]);
      const m = /^listening 127\.0\.0\.1:(\d+)$/.exec(first);
      assert.ok(m, first);
      const r = await udpAsk(Number(m[1]), query('anything.example', 'TXT'));
      assert.equal(r && rcode(r), 3, stderr);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, stderr);
    }
  });
});
