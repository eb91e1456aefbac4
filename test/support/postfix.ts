// A private Postfix instance for e2e tests: own config, queue and mailboxes under a temp dir, loopback only, no relaying, driven by swaks.

import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './daemon.ts';

export const POSTFIX_BIN = '/usr/sbin/postfix';
/** The only domain this instance accepts mail for; everything goes to one maildir. */
export const TEST_DOMAIN = 'example.org';
/** `postfix start` checks its config and forks the master; smtpd answering takes a moment more. */
export const POSTFIX_START_TIMEOUT_MS = 30_000;
/** swaks's own per-command timeout, in seconds (it takes seconds). */
const SWAKS_TIMEOUT_S = 30;

export interface PostfixOptions {
  /** Restrictions for `smtpd_recipient_restrictions`, e.g. `check_policy_service inet:127.0.0.1:10040`. */
  recipientRestrictions?: string[];
  /** `smtpd_milters` entries, e.g. `inet:127.0.0.1:11332` or `unix:/path/milter.sock`. */
  milters?: string[];
  /** `milter_default_action` (Postfix 3.7's default is `tempfail`): what a dead or failing milter means. */
  milterDefaultAction?: 'accept' | 'reject' | 'tempfail' | 'quarantine';
  /** `milter_protocol` (default 6). */
  milterProtocol?: '2' | '3' | '4' | '6';
  /** Also listen on [::1] (same port) with `inet_protocols = all`; needs ::1 on the loopback interface (`hasIpv6Loopback`). */
  ipv6?: boolean;
  /** More `name = value` lines for main.cf (applied last, so they win). */
  mainCf?: Record<string, string>;
  /** Also run an smtpd with `smtpd_upstream_proxy_protocol = haproxy` on its own port (`proxyPort`), for a front that sends PROXY headers. */
  proxyProtocol?: boolean;
}

export interface SwaksOptions {
  /** Address swaks connects to: `127.0.0.1` (default) or `::1` (needs `ipv6: true`). */
  server?: string;
  /** Port swaks connects to, when not this Postfix's own (e.g. the SMTP front before it). */
  port?: number;
  /** Source address for swaks (`--local-interface`), e.g. another loopback address like 127.0.0.5. */
  localInterface?: string;
  from: string;
  to: string | string[];
  helo?: string;
  /** Extra header lines, `Name: value`. */
  headers?: string[];
  body?: string;
  /** Stop after this SMTP step (`RCPT`, `DATA`...), like swaks's `--quit-after`. */
  quitAfter?: string;
  /** XCLIENT LOGIN: Postfix then treats the session as SASL-authenticated (needs `smtpd_authorized_xclient_hosts`). */
  xclientLogin?: string;
}

export interface SwaksResult {
  /** swaks's exit code: 0 delivered, 23/24/25 rejected at RCPT/DATA/end of data... */
  code: number;
  transcript: string;
}

/** One entry of `postqueue -j` (Postfix ≥ 3.1): a message still in the queue. */
export interface QueuedMessage {
  queue_name: 'maildrop' | 'incoming' | 'active' | 'deferred' | 'hold';
  queue_id: string;
  arrival_time: number;
  message_size: number;
  sender: string;
  recipients: { address: string; delay_reason?: string }[];
}

export interface DeliveredMessage {
  file: string;
  raw: string;
}

export interface RunningPostfix {
  /** Temp dir: etc/ (main.cf, master.cf), queue/, data/, mail/inbox/ (the maildir), maillog. */
  dir: string;
  port: number;
  /** Port of the smtpd that expects a PROXY header first (with `proxyProtocol: true`). */
  proxyPort: number | undefined;
  sendWithSwaks(opts: SwaksOptions): Promise<SwaksResult>;
  deliveredMessages(): DeliveredMessage[];
  /** How many messages are in the maildir, without reading them (benchmarks poll this). */
  deliveredCount(): number;
  /** Waits until at least `count` messages were delivered to the maildir. */
  waitForDelivery(count: number, timeoutMs?: number): Promise<DeliveredMessage[]>;
  /** The instance's maillog so far. */
  log(): string;
  /** Every message still in a queue (`postqueue -j`); a milter's QUARANTINE puts mail in `hold`. */
  queue(): Promise<QueuedMessage[]>;
  /** A queued message as `postcat -q` shows it (envelope, headers, body). */
  postcat(queueId: string): Promise<string>;
  stop(): Promise<void>;
}

/** Postfix and swaks come from Debian (`.ci/run` installs them); a missing one is a clear failure, not a skip. */
export function assertPostfixInstalled(): void {
  const missing = [POSTFIX_BIN, '/usr/bin/swaks'].filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`Postfix e2e tests need ${missing.join(' and ')} (Debian packages postfix, swaks; .ci/run installs them)`);
  if (process.getuid?.() !== 0) throw new Error('a private Postfix instance must be started as root (its daemons drop to the postfix user)');
}

function mainCf(dir: string, owner: { uid: number; gid: number }, opts: PostfixOptions): string {
  const { uid, gid } = owner;
  const params: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: join(dir, 'queue'),
    data_directory: join(dir, 'data'),
    mail_owner: 'postfix',
    setgid_group: 'postdrop',
    myhostname: 'mx.winnow-test.invalid',
    mydomain: 'winnow-test.invalid',
    myorigin: '$myhostname',
    // Loopback only (IPv4, plus ::1 when asked): the port is chosen free on 127.0.0.1.
    inet_interfaces: opts.ipv6 ? '127.0.0.1, [::1]' : '127.0.0.1',
    inet_protocols: opts.ipv6 ? 'all' : 'ipv4',
    mynetworks: opts.ipv6 ? '127.0.0.0/8, [::1]/128' : '127.0.0.0/8',
    // No local delivery, no relaying: the test domain is the only destination, and it is a maildir here.
    mydestination: '',
    relay_domains: '',
    relayhost: '',
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    virtual_mailbox_domains: TEST_DOMAIN,
    virtual_mailbox_base: join(dir, 'mail'),
    virtual_mailbox_maps: 'static:inbox/',
    virtual_uid_maps: `static:${uid}`,
    virtual_gid_maps: `static:${gid}`,
    // Any other destination fails inside Postfix: no transport here can reach the network.
    default_transport: 'error:5.7.1 this test instance delivers nowhere',
    relay_transport: 'error:5.7.1 this test instance delivers nowhere',
    local_transport: 'error:5.7.1 this test instance delivers nowhere',
    smtpd_relay_restrictions: 'reject_unauth_destination',
    smtpd_recipient_restrictions: (opts.recipientRestrictions ?? []).join(', '),
    smtpd_milters: (opts.milters ?? []).join(', '),
    milter_protocol: opts.milterProtocol ?? '6',
    ...(opts.milterDefaultAction ? { milter_default_action: opts.milterDefaultAction } : {}),
    smtpd_peername_lookup: 'no',
    disable_dns_lookups: 'yes',
    smtp_dns_support_level: 'disabled',
    smtpd_tls_security_level: 'none',
    biff: 'no',
    append_dot_mydomain: 'no',
    notify_classes: '',
    // One try, quickly: a policy server under test that is down should show up as a fast 451.
    smtpd_policy_service_try_limit: '1',
    smtpd_policy_service_timeout: '10s',
    maillog_file: join(dir, 'maillog'),
    maillog_file_prefixes: dir,
    ...opts.mainCf,
  };
  return Object.entries(params).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n';
}

/** Only the services an SMTP-in → maildir path needs; no `smtp`/`lmtp` client exists, and nothing is chrooted. */
function masterCf(port: number, ipv6: boolean, proxyPort?: number): string {
  return `127.0.0.1:${port} inet n - n - - smtpd
${proxyPort !== undefined ? `127.0.0.1:${proxyPort} inet n - n - - smtpd -o smtpd_upstream_proxy_protocol=haproxy\n` : ''}${ipv6 ? `[::1]:${port} inet n - n - - smtpd\n` : ''}pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function waitForBanner(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.setTimeout(2000, () => s.destroy());
      s.once('data', (d) => {
        s.end('QUIT\r\n');
        resolve(d.toString().startsWith('220'));
      });
      s.once('error', () => resolve(false));
      s.once('close', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`Postfix did not answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** The server's error replies in a swaks transcript (swaks marks them `<**`), without the marker. */
export function swaksErrorReplies(transcript: string): string[] {
  return transcript.split('\n').filter((l) => l.startsWith('<**')).map((l) => l.slice(4).trim());
}

/** A delivered message's header block (up to the first empty line). */
export function headerBlock(raw: string): string {
  const end = raw.search(/\r?\n\r?\n/);
  return end < 0 ? raw : raw.slice(0, end);
}

/** Unfolded values of every `name:` field (case-insensitive) in a message's header block, in order. */
export function headerValues(raw: string, name: string): string[] {
  const unfolded = headerBlock(raw).replace(/\r?\n[ \t]+/g, ' ');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...unfolded.matchAll(new RegExp(`^${escaped}:[ \\t]*(.*)$`, 'gim'))].map((m) => m[1].trim());
}

/** Whether the loopback interface has ::1 (containers often run without IPv6). */
export function hasIpv6Loopback(): boolean {
  return existsSync('/proc/net/if_inet6') && /^0{31}1 /m.test(readFileSync('/proc/net/if_inet6', 'utf8'));
}

export async function startPostfix(opts: PostfixOptions = {}): Promise<RunningPostfix> {
  assertPostfixInstalled();
  if (opts.ipv6 && !hasIpv6Loopback()) throw new Error('ipv6: true needs ::1 on the loopback interface, and this machine has none');
  const dir = mkdtempSync(join(tmpdir(), 'winnow-postfix-'));
  // The daemons run as the postfix user and must traverse into the dir; the maildir belongs to that user.
  chmodSync(dir, 0o755);
  // Config apart from the rest: postfix-script checks that everything under config_directory belongs to root.
  const etc = join(dir, 'etc');
  mkdirSync(etc, { mode: 0o755 });
  mkdirSync(join(dir, 'queue'), { mode: 0o755 });
  mkdirSync(join(dir, 'data'), { mode: 0o700 });
  mkdirSync(join(dir, 'mail'), { mode: 0o700 });
  const uid = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postfix'], { encoding: 'utf8' }).trim());
  chownSync(join(dir, 'data'), uid, gid);
  chownSync(join(dir, 'mail'), uid, gid);
  const port = await freePort();
  writeFileSync(join(etc, 'main.cf'), mainCf(dir, { uid, gid }, opts));
  const proxyPort = opts.proxyProtocol ? await freePort() : undefined;
  writeFileSync(join(etc, 'master.cf'), masterCf(port, opts.ipv6 ?? false, proxyPort));
  const maildir = join(dir, 'mail', 'inbox');

  const started = await run(POSTFIX_BIN, ['-c', etc, 'start']);
  if (started.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`postfix -c ${etc} start failed (${started.code}): ${started.stderr}${started.stdout}`);
  }
  let stopped = false;
  const stopSync = () => {
    if (!stopped) execFileSync(POSTFIX_BIN, ['-c', etc, 'stop'], { stdio: 'ignore' });
  };
  // A test runner that dies must not leave a master process behind.
  process.once('exit', stopSync);

  const readLog = () => (existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : '');
  const delivered = (): DeliveredMessage[] => {
    const out: DeliveredMessage[] = [];
    for (const sub of ['new', 'cur']) {
      const d = join(maildir, sub);
      if (!existsSync(d)) continue;
      for (const f of readdirSync(d).sort()) out.push({ file: join(d, f), raw: readFileSync(join(d, f), 'utf8') });
    }
    return out;
  };

  const instance: RunningPostfix = {
    dir,
    port,
    proxyPort,
    async sendWithSwaks(s) {
      // --port apart from --server: an IPv6 address has colons of its own.
      const args = ['--server', s.server ?? '127.0.0.1', '--port', String(s.port ?? port), '--from', s.from, '--to', [s.to].flat().join(','), '--timeout', String(SWAKS_TIMEOUT_S)];
      args.push('--helo', s.helo ?? 'client.winnow-test.invalid');
      // --header replaces swaks's own header of that name (Subject...) instead of adding a second one.
      for (const h of s.headers ?? []) args.push('--header', h);
      if (s.body !== undefined) args.push('--body', s.body);
      if (s.quitAfter) args.push('--quit-after', s.quitAfter);
      if (s.xclientLogin) args.push('--xclient-login', s.xclientLogin);
      if (s.localInterface) args.push('--local-interface', s.localInterface);
      const r = await run('swaks', args);
      return { code: r.code, transcript: r.stdout + r.stderr };
    },
    deliveredMessages: delivered,
    deliveredCount: () => ['new', 'cur'].reduce((n, sub) => n + (existsSync(join(maildir, sub)) ? readdirSync(join(maildir, sub)).length : 0), 0),
    async waitForDelivery(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = delivered();
        if (got.length >= count) return got;
        if (Date.now() > deadline) throw new Error(`only ${got.length} of ${count} messages delivered in ${timeoutMs} ms; maillog:\n${readLog()}`);
        await sleep(100);
      }
    },
    log: readLog,
    async queue() {
      const r = await run('/usr/sbin/postqueue', ['-c', etc, '-j']);
      if (r.code !== 0) throw new Error(`postqueue -j failed (${r.code}): ${r.stderr}`);
      return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as QueuedMessage);
    },
    async postcat(queueId) {
      const r = await run('/usr/sbin/postcat', ['-c', etc, '-q', queueId]);
      if (r.code !== 0) throw new Error(`postcat -q ${queueId} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    async stop() {
      if (stopped) return;
      await run(POSTFIX_BIN, ['-c', etc, 'stop']);
      stopped = true;
      process.off('exit', stopSync);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForBanner(port, POSTFIX_START_TIMEOUT_MS);
  } catch (err) {
    const log = readLog();
    await instance.stop();
    throw new Error(`${(err as Error).message}; maillog:\n${log}`);
  }
  return instance;
}
