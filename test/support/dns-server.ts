// A small authoritative DNS server on loopback serving fixture zones given as data, for tests and benchmarks (RFC 1035, RFC 2308 negative answers, RFC 7766 TCP).

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as packet from 'dns-packet';

export interface MxRecord {
  priority: number;
  exchange: string;
}

/** The records of one owner name. TXT entries may be split into character-strings (arrays). */
export interface ZoneRecords {
  A?: string[];
  AAAA?: string[];
  TXT?: (string | string[])[];
  MX?: MxRecord[];
  PTR?: string[];
  CNAME?: string;
  /** TTL in seconds for this name's records; defaults to the server's `ttl`. */
  ttl?: number;
}

/** Owner name (case-insensitive, trailing dot optional) → records. */
export type Zones = Record<string, ZoneRecords>;

export type FailureMode = 'timeout' | 'servfail' | 'refused';

export interface DnsServerOptions {
  /** Loopback only: tests must not listen on other interfaces. */
  host?: '127.0.0.1' | '::1';
  /** 0 (default) picks a free port; UDP and TCP share it. */
  port?: number;
  /** Answer NXDOMAIN for every name, ignoring the zones (benchmarks). */
  nxdomainAll?: boolean;
  /** Names that never get a reply, or get SERVFAIL/REFUSED, whatever they ask for. */
  failures?: Record<string, FailureMode>;
  /** Default TTL of answers, seconds. */
  ttl?: number;
  /**
   * SOA TTL and minimum in negative answers (RFC 2308 §3), seconds; 0 leaves the SOA out. Keep it on for rspamd:
   * its resolver drops replies shorter than 29 bytes, which a bare NXDOMAIN for a short name is.
   */
  negativeTtl?: number;
  /** Delay before every reply, ms (for in-flight tests). */
  delayMs?: number;
  /** Also serve TCP on the same port (on by default; truncated UDP answers need it). */
  tcp?: boolean;
}

export interface DnsServer {
  host: string;
  port: number;
  /** `127.0.0.1:PORT` or `[::1]:PORT`: what a resolver's `servers` list takes. */
  address: string;
  /** The live zone data: tests may edit it between queries. */
  zones: Zones;
  /** Queries received (UDP and TCP) for `name` and, if given, `type`; no arguments: all queries. */
  queryCount(name?: string, type?: string): number;
  resetCounts(): void;
  close(): Promise<void>;
}

const DEFAULT_TTL_S = 300;
const DEFAULT_NEGATIVE_TTL_S = 60;
/** Plain DNS UDP payload limit without EDNS (RFC 1035 §4.2.1). */
const CLASSIC_UDP_LIMIT_BYTES = 512;
/** Upper bound we honour for an EDNS-advertised UDP size (DNS flag day 2020 figure). */
const MAX_UDP_PAYLOAD_BYTES = 1232;
/** A CNAME chain longer than this inside the fixture data is a fixture bug. */
const MAX_CNAME_CHAIN = 8;
const TCP_LENGTH_PREFIX_BYTES = 2;

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_REFUSED = 5;

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function lookupZone(zones: Zones, name: string): ZoneRecords | undefined {
  if (Object.hasOwn(zones, name)) return zones[name];
  for (const key of Object.keys(zones)) if (normalize(key) === name) return zones[key];
  return undefined;
}

function recordsOf(owner: string, rec: ZoneRecords, type: string, ttl: number): packet.Answer[] {
  switch (type) {
    case 'A':
      return (rec.A ?? []).map((data) => ({ type: 'A', name: owner, ttl, class: 'IN', data }));
    case 'AAAA':
      return (rec.AAAA ?? []).map((data) => ({ type: 'AAAA', name: owner, ttl, class: 'IN', data }));
    case 'PTR':
      return (rec.PTR ?? []).map((data) => ({ type: 'PTR', name: owner, ttl, class: 'IN', data }));
    case 'TXT':
      return (rec.TXT ?? []).map((data) => ({ type: 'TXT', name: owner, ttl, class: 'IN', data }));
    case 'MX':
      return (rec.MX ?? []).map((mx) => ({
        type: 'MX',
        name: owner,
        ttl,
        class: 'IN',
        data: { preference: mx.priority, exchange: mx.exchange },
      }));
    default:
      return [];
  }
}

interface Reply {
  rcode: number;
  answers: packet.Answer[];
}

/** Builds the answer section, following CNAMEs that stay inside the fixture data. */
function answer(zones: Zones, qname: string, qtype: string, defaultTtl: number): Reply {
  const answers: packet.Answer[] = [];
  let name = qname;
  for (let hops = 0; hops <= MAX_CNAME_CHAIN; hops++) {
    const rec = lookupZone(zones, name);
    if (!rec) return { rcode: hops === 0 ? RCODE_NXDOMAIN : 0, answers };
    const ttl = rec.ttl ?? defaultTtl;
    if (rec.CNAME !== undefined && qtype !== 'CNAME') {
      answers.push({ type: 'CNAME', name, ttl, class: 'IN', data: rec.CNAME });
      name = normalize(rec.CNAME);
      continue;
    }
    if (qtype === 'CNAME' && rec.CNAME !== undefined) {
      answers.push({ type: 'CNAME', name, ttl, class: 'IN', data: rec.CNAME });
    } else {
      answers.push(...recordsOf(name, rec, qtype, ttl));
    }
    return { rcode: 0, answers };
  }
  throw new Error(`CNAME chain longer than ${MAX_CNAME_CHAIN} at ${qname}`);
}

function soaFor(qname: string, negativeTtl: number): packet.Answer[] {
  if (negativeTtl <= 0) return [];
  // The zone apex is unknown for arbitrary names; the parent label is close enough for caching resolvers.
  const apex = qname.includes('.') ? qname.slice(qname.indexOf('.') + 1) : qname;
  return [
    {
      type: 'SOA',
      name: apex,
      ttl: negativeTtl,
      class: 'IN',
      data: { mname: `ns.${apex}`, rname: `hostmaster.${apex}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: negativeTtl },
    },
  ];
}

function optOf(query: packet.DecodedPacket): packet.OptAnswer | undefined {
  return (query.additionals ?? []).find((a) => a.type === 'OPT') as packet.OptAnswer | undefined;
}

/** The OPT record to answer an EDNS query with (RFC 6891 §6.1.1), or none for a plain query. */
function optReply(query: packet.DecodedPacket): packet.Answer[] {
  if (!optOf(query)) return [];
  return [{ type: 'OPT', name: '.', udpPayloadSize: MAX_UDP_PAYLOAD_BYTES, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }];
}

function udpLimit(query: packet.DecodedPacket): number {
  const opt = optOf(query);
  if (!opt) return CLASSIC_UDP_LIMIT_BYTES;
  return Math.min(MAX_UDP_PAYLOAD_BYTES, Math.max(CLASSIC_UDP_LIMIT_BYTES, opt.udpPayloadSize));
}

export async function startDnsServer(zones: Zones = {}, opts: DnsServerOptions = {}): Promise<DnsServer> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') throw new Error(`dns-server listens on loopback only, not ${String(host)}`);
  const ttl = opts.ttl ?? DEFAULT_TTL_S;
  const negativeTtl = opts.negativeTtl ?? DEFAULT_NEGATIVE_TTL_S;
  const failures = new Map(Object.entries(opts.failures ?? {}).map(([k, v]) => [normalize(k), v]));
  const counts = new Map<string, number>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  let total = 0;

  /** Returns the encoded reply, or undefined when the name is set to time out or the packet is junk. */
  function handle(msg: Buffer, overUdp: boolean): Buffer | undefined {
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      return undefined;
    }
    const q = query.questions?.[0];
    if (!q || query.type !== 'query') return undefined;
    const qname = normalize(q.name);
    total++;
    const key = `${q.type} ${qname}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);

    const failure = failures.get(qname);
    if (failure === 'timeout') return undefined;
    const base = { type: 'response' as const, id: query.id, questions: [q], additionals: optReply(query) };
    const rd = query.flag_rd ? packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE : 0;
    if (failure === 'servfail' || failure === 'refused') {
      const rcode = failure === 'servfail' ? RCODE_SERVFAIL : RCODE_REFUSED;
      return packet.encode({ ...base, flags: rd | rcode, answers: [] });
    }
    const reply: Reply = opts.nxdomainAll ? { rcode: RCODE_NXDOMAIN, answers: [] } : answer(zones, qname, q.type, ttl);
    const flags = packet.AUTHORITATIVE_ANSWER | rd | reply.rcode;
    const authorities = reply.answers.length === 0 ? soaFor(qname, negativeTtl) : [];
    const out = packet.encode({ ...base, flags, answers: reply.answers, authorities });
    if (overUdp && out.length > udpLimit(query)) {
      return packet.encode({ ...base, flags: flags | packet.TRUNCATED_RESPONSE, answers: [] });
    }
    return out;
  }

  function later(fn: () => void): void {
    if (!opts.delayMs) return fn();
    const t = setTimeout(() => {
      pendingTimers.delete(t);
      fn();
    }, opts.delayMs);
    pendingTimers.add(t);
  }

  // UDP and TCP share one port number. With port 0 the UDP port is free but the same TCP port may not be
  // (another test's server): then both are closed and another port is tried, so no socket is left open.
  let udp!: Socket;
  let tcp: Server | undefined;
  let port = 0;
  const tcpSockets = new Set<TcpSocket>();
  for (let attempt = 1; ; attempt++) {
    udp = await bindUdp(host, opts.port ?? 0, (msg, rinfo) => {
      const out = handle(msg, true);
      if (out) later(() => udp.send(out, rinfo.port, rinfo.address));
    });
    port = udp.address().port;
    if (opts.tcp === false) break;
    try {
      tcp = await listenTcp(host, port, tcpSockets, (msg) => handle(msg, false), later);
      break;
    } catch (err) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      // An explicit port 0 (the CLI's `--port 0`) is as free a choice as none: try another one too.
      if ((opts.port ?? 0) !== 0 || attempt >= MAX_PORT_ATTEMPTS) throw err;
    }
  }

  return {
    host,
    port,
    address: host === '::1' ? `[::1]:${port}` : `127.0.0.1:${port}`,
    zones,
    queryCount(name?: string, type?: string): number {
      if (name === undefined) return total;
      const n = normalize(name);
      if (type !== undefined) return counts.get(`${type.toUpperCase()} ${n}`) ?? 0;
      let sum = 0;
      for (const [k, v] of counts) if (k.slice(k.indexOf(' ') + 1) === n) sum += v;
      return sum;
    },
    resetCounts(): void {
      counts.clear();
      total = 0;
    },
    async close(): Promise<void> {
      for (const t of pendingTimers) clearTimeout(t);
      pendingTimers.clear();
      for (const s of tcpSockets) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        tcp ? new Promise<void>((resolve) => tcp!.close(() => resolve())) : Promise.resolve(),
      ]);
    },
  };
}

/** CLI for benchmarks: `node test/support/dns-server.ts --port 5353 --nxdomain`; prints `listening ADDRESS` and runs until killed. */
async function main(argv: string[]): Promise<void> {
  const opts: DnsServerOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port') opts.port = Number(argv[++i]);
    else if (arg === '--host') opts.host = argv[++i] as DnsServerOptions['host'];
    else if (arg === '--nxdomain') opts.nxdomainAll = true;
    else if (arg === '--negative-ttl') opts.negativeTtl = Number(argv[++i]);
    else throw new Error(`unknown argument ${arg} (use --port N, --host 127.0.0.1|::1, --nxdomain, --negative-ttl S)`);
  }
  const server = await startDnsServer({}, opts);
  process.stdout.write(`listening ${server.address}\n`);
  const stop = (): void => {
    process.stderr.write(`dns-server: ${server.queryCount()} queries answered\n`);
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`dns-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}

/** Tries this many port numbers when the TCP side of a UDP port chosen by the OS is taken. */
const MAX_PORT_ATTEMPTS = 10;

function bindUdp(host: string, port: number, onMessage: (msg: Buffer, rinfo: RemoteInfo) => void): Promise<Socket> {
  const udp = createSocket({ type: host === '::1' ? 'udp6' : 'udp4' });
  udp.on('message', onMessage);
  return new Promise<Socket>((resolve, reject) => {
    udp.once('error', (err) => {
      udp.close();
      reject(err);
    });
    udp.bind(port, host, () => {
      udp.removeAllListeners('error');
      // A send to a client that went away (ICMP port unreachable) must not kill the test process.
      udp.on('error', () => undefined);
      resolve(udp);
    });
  });
}

function listenTcp(
  host: string,
  port: number,
  sockets: Set<TcpSocket>,
  handle: (msg: Buffer) => Buffer | undefined,
  later: (fn: () => void) => void,
): Promise<Server> {
  const tcp = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= TCP_LENGTH_PREFIX_BYTES) {
        const len = buf.readUInt16BE(0);
        if (buf.length < TCP_LENGTH_PREFIX_BYTES + len) break;
        const msg = buf.subarray(TCP_LENGTH_PREFIX_BYTES, TCP_LENGTH_PREFIX_BYTES + len);
        buf = buf.subarray(TCP_LENGTH_PREFIX_BYTES + len);
        const out = handle(msg);
        if (!out) continue;
        const prefix = Buffer.alloc(TCP_LENGTH_PREFIX_BYTES);
        prefix.writeUInt16BE(out.length);
        later(() => {
          if (!sock.destroyed) sock.write(Buffer.concat([prefix, out]));
        });
      }
    });
  });
  return new Promise<Server>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      resolve(tcp);
    });
  });
}
