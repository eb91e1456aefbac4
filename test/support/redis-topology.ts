// Starts real Redis topologies on loopback for e2e tests — a 3-master Redis Cluster, and a master + replica watched by 3 Sentinels — and stops them.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export const LOOPBACK = '127.0.0.1';
export const SENTINEL_MASTER_NAME = 'mymaster';
/** Whole-topology start deadline: generous because a loaded 2-core machine starts processes slowly. */
export const TOPOLOGY_START_TIMEOUT_MS = 25_000;
// Ports are drawn below the kernel's ephemeral range (32768+), so an outgoing connection cannot be
// holding one; a cluster node also binds port + CLUSTER_BUS_OFFSET, which stays below it too.
const PORT_MIN = 20_000;
const PORT_MAX = 22_700;
const CLUSTER_BUS_OFFSET = 10_000;
const CLUSTER_NODE_TIMEOUT_MS = 2000;
/** Sentinel settings shortened for tests (production defaults are 30 s and 3 min). */
export const SENTINEL_DOWN_AFTER_MS = 1000;
export const SENTINEL_FAILOVER_TIMEOUT_MS = 6000;
const SENTINEL_QUORUM = 2;
const SENTINEL_COUNT = 3;
const CLUSTER_MASTERS = 3;
/** A port found free can be taken before redis-server binds it (parallel test files): retry with another. */
const MAX_BIND_ATTEMPTS = 5;
const STOP_GRACE_MS = 2000;
const POLL_INTERVAL_MS = 50;
const ADMIN_TIMEOUT_MS = 1000;
const LOG_TAIL_CHARS = 1500;

export interface RedisAddress {
  host: string;
  port: number;
}

interface RedisProcess {
  role: string;
  port: number;
  child: ChildProcess;
  logFile: string;
  running: boolean;
  exited: Promise<void>;
}

/** Thrown by a waitUntil probe when waiting longer cannot help (e.g. the process exited). */
export class GiveUp extends Error {}

/** Polls `probe` until it returns a value other than undefined/false, or throws naming `what` and the last failure. */
export async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'condition not met';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (err instanceof GiveUp) throw new Error(`${what}: ${err.message}`);
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${last})`);
    await sleep(POLL_INTERVAL_MS);
  }
}

/** One command on a fresh, bounded connection (admin probes must never hang or retry). */
export async function redisCommand(port: number, command: string, ...args: (string | number)[]): Promise<unknown> {
  const c = new Redis({
    host: LOOPBACK,
    port,
    lazyConnect: true,
    connectTimeout: ADMIN_TIMEOUT_MS,
    commandTimeout: ADMIN_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  c.on('error', () => {});
  try {
    await c.connect();
    return await c.call(command, ...args);
  } finally {
    c.disconnect();
  }
}

/** `INFO`-style "field:value" lines → record. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: LOOPBACK, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Processes started, the temp dir, and an idempotent stop(); the base of both topologies. */
class ProcessGroup {
  readonly dir: string;
  readonly #procs: RedisProcess[] = [];
  readonly #taken = new Set<number>();
  #stopped = false;
  // A test runner that exits without running after-hooks must not leave servers behind.
  readonly #onExit = () => {
    for (const p of this.#procs) if (p.running) p.child.kill('SIGKILL');
  };

  constructor(kind: string) {
    this.dir = mkdtempSync(join(tmpdir(), `winnow-redis-${kind}-`));
    process.on('exit', this.#onExit);
  }

  get pids(): number[] {
    return this.#procs.map((p) => p.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  async #pickPort(withBus: boolean): Promise<number> {
    for (let i = 0; i < 200; i++) {
      const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
      if (this.#taken.has(port)) continue;
      if (!(await canBind(port))) continue;
      if (withBus && !(await canBind(port + CLUSTER_BUS_OFFSET))) continue;
      this.#taken.add(port);
      return port;
    }
    throw new Error(`no free loopback port between ${PORT_MIN} and ${PORT_MAX}`);
  }

  /** Starts redis-server with `argsFor(port, logFile)` on a free port and waits until it answers PING. */
  async start(role: string, argsFor: (port: number, logFile: string) => string[], opts: { clusterBus?: boolean; deadline: number }): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const port = await this.#pickPort(opts.clusterBus ?? false);
      const logFile = join(this.dir, `${role}-${port}.log`);
      const child = spawn('redis-server', argsFor(port, logFile), { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const proc: RedisProcess = { role, port, child, logFile, running: true, exited: Promise.resolve() };
      proc.exited = new Promise<void>((resolve) => {
        child.once('error', (err) => {
          stderr += `${err.message}\n`;
          proc.running = false;
          resolve();
        });
        child.once('exit', () => {
          proc.running = false;
          resolve();
        });
      });
      this.#procs.push(proc);
      try {
        await waitUntil(`${role} on ${LOOPBACK}:${port} answering PING`, Math.max(0, opts.deadline - Date.now()), async () => {
          if (!proc.running) throw new GiveUp('redis-server exited');
          return (await redisCommand(port, 'PING')) === 'PONG';
        });
        return port;
      } catch (err) {
        const log = `${stderr}${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`;
        if (!proc.running && /already in use/i.test(log) && attempt < MAX_BIND_ATTEMPTS) continue;
        await this.#terminate(proc);
        throw new Error(`${(err as Error).message}\n--- ${role} output (tail) ---\n${log.slice(-LOG_TAIL_CHARS) || '(empty)'}`, { cause: err });
      }
    }
  }

  async #terminate(p: RedisProcess): Promise<void> {
    if (!p.running) return;
    p.child.kill('SIGTERM');
    const graceful = await Promise.race([p.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    if (!graceful && p.running) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }

  /** Kills the server on `port` (e.g. SIGKILL a master to force a failover). */
  async kill(port: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.#procs.find((x) => x.port === port && x.running);
    if (!p) throw new Error(`no running redis-server on port ${port}`);
    p.child.kill(signal);
    await p.exited;
  }

  /** SIGTERM every process started (SIGKILL after STOP_GRACE_MS) and remove the temp dir; safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(this.#procs.map((p) => this.#terminate(p)));
    process.off('exit', this.#onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Server flags every test instance shares: loopback only, no persistence, files in the temp dir.
   * A replica's full sync would otherwise wait 5 s (repl-diskless-sync-delay) for more replicas to join.
   */
  baseArgs(port: number, logFile: string): string[] {
    return [
      '--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no',
      '--dir', this.dir, '--logfile', logFile, '--daemonize', 'no', '--repl-diskless-sync-delay', '0',
    ];
  }
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`.slice(0, 4000)));
      else resolve(stdout);
    });
  });
}

export interface RedisClusterTopology {
  /** Every master, usable as seed nodes. */
  nodes: RedisAddress[];
  dir: string;
  pids: number[];
  stop(): Promise<void>;
}

/** A 3-master cluster (no replicas), `cluster_state:ok` on every node before it resolves. */
export async function startRedisCluster(): Promise<RedisClusterTopology> {
  const group = new ProcessGroup('cluster');
  const deadline = Date.now() + TOPOLOGY_START_TIMEOUT_MS;
  try {
    const ports: number[] = [];
    for (let i = 0; i < CLUSTER_MASTERS; i++) {
      ports.push(
        await group.start(
          'cluster-node',
          (port, log) => [
            ...group.baseArgs(port, log),
            '--cluster-enabled', 'yes',
            '--cluster-config-file', join(group.dir, `nodes-${port}.conf`),
            '--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS),
          ],
          { clusterBus: true, deadline },
        ),
      );
    }
    const addrs = ports.map((p) => `${LOOPBACK}:${p}`);
    await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes'], Math.max(1, deadline - Date.now()));
    for (const port of ports) {
      await waitUntil(`cluster node ${LOOPBACK}:${port} reporting cluster_state:ok with ${CLUSTER_MASTERS} nodes`, Math.max(0, deadline - Date.now()), async () => {
        const info = parseInfo(String(await redisCommand(port, 'CLUSTER', 'INFO')));
        if (info.cluster_state !== 'ok' || info.cluster_known_nodes !== String(CLUSTER_MASTERS) || info.cluster_slots_ok !== '16384') {
          throw new Error(`state ${info.cluster_state}, ${info.cluster_known_nodes} nodes, ${info.cluster_slots_ok} slots ok`);
        }
        return true;
      });
    }
    return { nodes: ports.map((port) => ({ host: LOOPBACK, port })), dir: group.dir, pids: group.pids, stop: () => group.stop() };
  } catch (err) {
    await group.stop();
    throw err;
  }
}

export interface RedisSentinelTopology {
  name: string;
  /** The master and the replica as started; after a failover their roles swap. */
  master: RedisAddress;
  replica: RedisAddress;
  sentinels: RedisAddress[];
  dir: string;
  pids: number[];
  /** The master address according to the Sentinel at `sentinelPort` (default: the first). */
  masterAddr(sentinelPort?: number): Promise<RedisAddress>;
  kill(port: number, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/** Master + 1 replica + 3 Sentinels (quorum 2); resolves once every Sentinel sees the master, the replica and its 2 peers. */
export async function startRedisSentinel(): Promise<RedisSentinelTopology> {
  const group = new ProcessGroup('sentinel');
  const deadline = Date.now() + TOPOLOGY_START_TIMEOUT_MS;
  const left = () => Math.max(0, deadline - Date.now());
  try {
    const master = await group.start('master', (p, log) => group.baseArgs(p, log), { deadline });
    const replica = await group.start('replica', (p, log) => [...group.baseArgs(p, log), '--replicaof', LOOPBACK, String(master)], { deadline });
    await waitUntil(`replica ${LOOPBACK}:${replica} linked to master ${master}`, left(), async () => {
      const info = parseInfo(String(await redisCommand(replica, 'INFO', 'replication')));
      return info.master_link_status === 'up' || undefined;
    });
    const sentinels: number[] = [];
    for (let i = 0; i < SENTINEL_COUNT; i++) {
      sentinels.push(
        await group.start(
          'sentinel',
          (port, log) => {
            // Sentinel rewrites its config file at run time, so each needs its own writable file.
            const conf = join(group.dir, `sentinel-${port}.conf`);
            writeFileSync(
              conf,
              [
                `port ${port}`,
                `bind ${LOOPBACK}`,
                `dir ${group.dir}`,
                `logfile ${log}`,
                'daemonize no',
                `sentinel monitor ${SENTINEL_MASTER_NAME} ${LOOPBACK} ${master} ${SENTINEL_QUORUM}`,
                `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${SENTINEL_DOWN_AFTER_MS}`,
                `sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${SENTINEL_FAILOVER_TIMEOUT_MS}`,
                `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
                '',
              ].join('\n'),
            );
            return [conf, '--sentinel'];
          },
          { deadline },
        ),
      );
    }
    for (const s of sentinels) {
      await waitUntil(`sentinel ${LOOPBACK}:${s} seeing master ${master}, replica ${replica} and ${SENTINEL_COUNT - 1} peers`, left(), async () => {
        const addr = (await redisCommand(s, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME)) as string[] | null;
        if (!addr || Number(addr[1]) !== master) throw new Error(`master reported as ${JSON.stringify(addr)}`);
        const replicas = (await redisCommand(s, 'SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME)) as string[][];
        const seen = replicas.map(pairsToRecord).find((r) => Number(r.port) === replica);
        if (seen?.flags !== 'slave') throw new Error(`replica flags ${seen?.flags ?? '(not seen)'}`);
        const peers = (await redisCommand(s, 'SENTINEL', 'SENTINELS', SENTINEL_MASTER_NAME)) as unknown[];
        if (peers.length !== SENTINEL_COUNT - 1) throw new Error(`${peers.length} peer sentinels known`);
        return true;
      });
    }
    return {
      name: SENTINEL_MASTER_NAME,
      master: { host: LOOPBACK, port: master },
      replica: { host: LOOPBACK, port: replica },
      sentinels: sentinels.map((port) => ({ host: LOOPBACK, port })),
      dir: group.dir,
      pids: group.pids,
      async masterAddr(sentinelPort = sentinels[0]) {
        const addr = (await redisCommand(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME)) as string[];
        return { host: addr[0], port: Number(addr[1]) };
      },
      kill: (port, signal) => group.kill(port, signal),
      stop: () => group.stop(),
    };
  } catch (err) {
    await group.stop();
    throw err;
  }
}

/** Sentinel replies describe an instance as a flat [field, value, ...] list. */
export function pairsToRecord(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

/** Whether a process with this PID still exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
