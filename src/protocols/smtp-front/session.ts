// One SMTP front connection: scan the client at connect, then pass it to the real MTA, greylist it or tarpit it (spamd's model, PROTOCOLS §7).

import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { severity } from '../../core/actions.ts';
import type { Logger } from '../../core/context.ts';
import type { SettingsProfile } from '../../core/settings.ts';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import type { ListenTarget } from '../../net/listen-address.ts';
import { failedChecks, withTimeout, type ScanFailSafe } from '../fail-safe.ts';
import { bannerLine, blacklistReply, FakeSmtpDialogue, type Step } from './dialogue.ts';
import { LineReader, MAX_PENDING_INPUT_BYTES } from './line-reader.ts';
import type { NftSync } from './nftables.ts';
import { splice } from './pass-through.ts';
import { proxyHeader, type ProxyProtocol } from './proxy-protocol.ts';
import { replayToUpstream } from './replay.ts';
import type { Stutterer } from './stutter.ts';
import { connectUpstream } from './upstream.ts';

/** The request fact the spamd check reads (checks/spamd): which step of the front's dialogue a scan is for. */
export const FRONT_STAGE_FACT = 'smtp_front_stage';
/** A scan slower than this is treated as failed (the client is waiting for a banner or an RCPT reply). */
export const SCAN_TIMEOUT_MS = 10_000;
/** After our last reply, a client gets this long to close its side before the connection is cut. */
export const CLOSE_GRACE_MS = 5_000;

export type FrontMode = 'pass' | 'grey' | 'black';

/** The scan's action decides the treatment: a refusal tarpits, `no action` passes, anything between greylists. */
export function modeOf(result: ScanResult): FrontMode {
  if (severity(result.action) >= severity('soft reject')) return 'black';
  return result.action === 'no action' ? 'pass' : 'grey';
}

export interface FrontScanner {
  scan(request: ScanRequest): Promise<ScanResult>;
}

/** Everything sessions of one process share. */
export interface FrontContext {
  scanner: FrontScanner;
  log: Logger;
  failSafe: ScanFailSafe<FrontMode>;
  settings: SettingsProfile;
  hostname: string;
  bannerName: string;
  upstream: ListenTarget;
  proxyProtocol: ProxyProtocol;
  blacklistCode: 450 | 550;
  greyStutterMs: number;
  maxBlack: number;
  idleTimeoutMs: number;
  stutterer: Stutterer;
  secureContext: SecureContext | undefined;
  nft: NftSync | undefined;
  /** Blacklisted connections held now (spamd's blackcount). */
  counters: { black: number };
}

type Then = 'read' | 'close' | 'tls';

export class FrontSession {
  readonly ip: string;
  mode: FrontMode | undefined;
  /** Handed to the real MTA: bytes flow through untouched now. */
  spliced = false;
  closed = false;
  readonly #raw: Socket;
  #io: Socket;
  readonly #ctx: FrontContext;
  readonly #started = performance.now();
  readonly #reader = new LineReader();
  #dialogue: FakeSmtpDialogue | undefined;
  #stutterUntil = 0;
  #busy = true;
  #countedBlack = false;
  #why = '';
  #cancelSend: (() => void) | undefined;
  readonly #onClose: () => void;
  readonly #onData = (chunk: Buffer) => {
    this.#reader.push(chunk);
    if (this.#reader.pending > MAX_PENDING_INPUT_BYTES) this.#io.pause();
    this.#pump();
  };

  constructor(socket: Socket, ip: string, ctx: FrontContext, onClose: () => void) {
    this.#raw = socket;
    this.#io = socket;
    this.ip = ip;
    this.#ctx = ctx;
    this.#onClose = onClose;
    socket.setNoDelay(true);
    socket.setTimeout(ctx.idleTimeoutMs, () => this.#destroy());
    socket.on('error', () => undefined); // resets are routine; 'close' cleans up
    socket.once('close', () => this.#closed());
  }

  async start(): Promise<void> {
    // Every connection is scanned, tarpitted ones included: not a message attempt, so kept out of statistics and history.
    const result = await this.#scan({ clientIp: this.ip, rcptTo: [], record: false }, 'connect');
    if (this.closed) return;
    this.mode = result === undefined ? 'pass' : modeOf(result);
    // What decided, for the log line at disconnect (spamd logs the matching lists there).
    this.#why = Object.values(result?.symbols ?? {}).map((s) => (s.options.length ? `${s.name}(${s.options.join(',')})` : s.name)).join(' ');
    if (this.mode === 'pass') return this.#passThrough();
    const ctx = this.#ctx;
    let blackReply = '';
    if (this.mode === 'black') {
      this.#countedBlack = true;
      // Above maxblack, blacklisted clients get their answer at full speed so the tarpit cannot fill up (spamd -B).
      this.#stutterUntil = ++ctx.counters.black > ctx.maxBlack ? 0 : Infinity;
      blackReply = blacklistReply(ctx.blacklistCode, result?.messages.smtp_message ?? '', this.ip);
    } else {
      this.#stutterUntil = this.#started + ctx.greyStutterMs;
    }
    this.#dialogue = new FakeSmtpDialogue({ hostname: ctx.hostname, mode: this.mode, offerTls: ctx.secureContext !== undefined, blackReply });
    this.#raw.on('data', this.#onData);
    this.#send(bannerLine(ctx.hostname, ctx.bannerName, new Date()), 'read');
  }

  /** Drain: tarpitted and greylisted clients are dropped at once, spliced sessions only when `force`d (after the grace). */
  shutdown(force = false): void {
    if (force || !this.spliced) this.#destroy();
  }

  #destroy(): void {
    this.#io.destroy();
    this.#raw.destroy();
  }

  #closed(): void {
    if (this.closed) return;
    this.closed = true;
    this.#cancelSend?.();
    if (this.#countedBlack) this.#ctx.counters.black--;
    const seconds = Math.round((performance.now() - this.#started) / 1000);
    this.#ctx.log.info({ client: this.ip, mode: this.spliced ? 'pass' : this.mode, seconds, ...(this.#why ? { symbols: this.#why } : {}) }, 'smtp-front: disconnected');
    this.#onClose();
  }

  async #scan(req: ScanRequest, stage: 'connect' | 'rcpt'): Promise<ScanResult | undefined> {
    const ctx = this.#ctx;
    try {
      const result = await withTimeout(ctx.scanner.scan({ ...req, settings: ctx.settings, facts: { [FRONT_STAGE_FACT]: stage } }), SCAN_TIMEOUT_MS);
      const failed = failedChecks(result);
      if (failed.length > 0) ctx.failSafe.checksFailed(failed, 'pass', true);
      else ctx.failSafe.succeeded();
      return result;
    } catch (err) {
      ctx.failSafe.scanFailed(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  #header(): Buffer {
    const s = this.#raw;
    return proxyHeader(this.#ctx.proxyProtocol, { address: this.ip, port: s.remotePort ?? 0 }, { address: s.localAddress ?? '', port: s.localPort ?? 0 });
  }

  /** A whitelisted client talks to the real MTA from its first byte; the MTA sends its own banner. */
  async #passThrough(): Promise<void> {
    const ctx = this.#ctx;
    let upstream: Socket;
    try {
      upstream = await connectUpstream(ctx.upstream, this.#header());
    } catch (err) {
      ctx.log.warn({ client: this.ip, err: (err as Error).message }, 'smtp-front: upstream MTA unreachable; client told to try later');
      if (!this.closed) this.#finish(`421 ${ctx.hostname} Service temporarily unavailable, please try again later\r\n`);
      return;
    }
    if (this.closed) return void upstream.destroy();
    this.spliced = true;
    ctx.nft?.add(this.ip);
    splice(this.#raw, upstream);
  }

  /** Sends `text` (stuttered while the clock is before #stutterUntil), then reads on, closes or starts TLS. */
  #send(text: string, then: Then): void {
    this.#busy = true;
    this.#cancelSend = this.#ctx.stutterer.send(this.#io, text.endsWith('\n') ? text : `${text}\n`, this.#stutterUntil, (ok) => {
      this.#cancelSend = undefined;
      if (this.closed) return;
      if (!ok) return this.#destroy(); // the client does not read what we send
      if (then === 'close') return this.#finish();
      if (then === 'tls') return this.#startTls();
      this.#busy = false;
      this.#pump();
    });
  }

  /** Ends our side; a client that does not close its side within the grace is cut. */
  #finish(last?: string): void {
    this.#busy = true;
    if (last !== undefined) this.#io.end(last, 'latin1');
    else this.#io.end();
    this.#io.setTimeout(CLOSE_GRACE_MS);
  }

  /** Handles buffered lines one at a time: each reply is sent in full before the next line is read (no pipelining). */
  #pump(): void {
    while (!this.#busy && !this.closed) {
      const line = this.#reader.next();
      if (!line) {
        if (this.#io.isPaused() && this.#reader.pending <= MAX_PENDING_INPUT_BYTES) this.#io.resume();
        return;
      }
      this.#step(this.#dialogue!.line(line.text, line.overlong), line.text);
    }
  }

  #step(step: Step, line: string): void {
    switch (step.kind) {
      case 'none':
        return;
      case 'reply':
        return this.#send(step.text, 'read');
      case 'close':
        return this.#send(step.text, 'close');
      case 'starttls':
        return this.#send(step.text, 'tls');
      case 'rcpt':
        this.#busy = true;
        void this.#rcpt(step, line);
        return;
    }
  }

  /** A greylisted RCPT: record the tuple; if it passes, the real MTA takes over this very session. */
  async #rcpt(step: Extract<Step, { kind: 'rcpt' }>, line: string): Promise<void> {
    const d = this.#dialogue!;
    const result = await this.#scan({ clientIp: this.ip, helo: d.helo, mailFrom: step.mailFrom, rcptTo: [step.rcpt] }, 'rcpt');
    if (this.closed) return;
    if (result === undefined || result.action === 'no action') return this.#handOver(line);
    this.#send(step.text, 'read');
  }

  async #handOver(current: string): Promise<void> {
    const ctx = this.#ctx;
    const t = this.#dialogue!.transcript;
    const outcome = await replayToUpstream(ctx.upstream, this.#header(), { helo: t.helo, mail: t.mail, earlier: t.rcpts.slice(0, -1), current }, ctx.hostname);
    if (this.closed) {
      if (outcome.ok) outcome.upstream.destroy();
      return;
    }
    if (!outcome.ok) {
      ctx.log.warn({ client: this.ip, reason: outcome.reason }, 'smtp-front: handing a passed client to the upstream MTA failed');
      return this.#send(outcome.reply, 'close');
    }
    ctx.log.info({ client: this.ip, helo: this.#dialogue!.helo }, 'smtp-front: greylisting passed; session handed to the upstream MTA');
    this.spliced = true;
    ctx.nft?.add(this.ip);
    this.#io.off('data', this.#onData);
    this.#io.write(outcome.reply, 'latin1');
    splice(this.#io, outcome.upstream, this.#reader.takeRest());
  }

  /** RFC 3207: after our 220 the TLS handshake starts; the client then begins again with EHLO. */
  #startTls(): void {
    const raw = this.#raw;
    raw.off('data', this.#onData);
    raw.setTimeout(0);
    this.#reader.takeRest(); // anything pipelined past STARTTLS is discarded (RFC 3207 §5)
    const tls = new TLSSocket(raw, { isServer: true, secureContext: this.#ctx.secureContext });
    this.#io = tls as unknown as Socket;
    tls.setTimeout(this.#ctx.idleTimeoutMs, () => this.#destroy());
    tls.on('error', (err) => {
      this.#ctx.log.debug({ client: this.ip, err: err.message }, 'smtp-front: TLS handshake or session failed');
      this.#destroy();
    });
    tls.once('close', () => this.#closed());
    tls.once('secure', () => {
      this.#dialogue!.tlsStarted();
      this.#busy = false;
      this.#pump();
    });
    tls.on('data', this.#onData);
  }
}
