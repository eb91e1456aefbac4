// One milter connection's state machine (PROTOCOLS.md §1.3): negotiation, session and message events, and the end-of-body verdict.

import type { Logger } from '../../core/context.ts';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import { ERROR_CODES } from '../../errors.ts';
import type { IpSet } from '../../maps/ip-set.ts';
import { failedChecks, withTimeout, type ScanFailSafe } from '../fail-safe.ts';
import type { MilterCommand, MilterReply } from './codec.ts';
import { SMFIF } from './constants.ts';
import { MessageBuffer } from './message.ts';
import { allows, expectsReply, negotiate, type Negotiated } from './negotiate.ts';
import { milterReplies, smtpReplyText, type MilterAbilities, type MilterReplyOptions } from './reply.ts';
import { authUser, clientIp, Macros, MAX_RECIPIENTS, toScanRequest, type ClientInfo } from './request.ts';

export interface MilterScanner {
  scan(request: ScanRequest): Promise<ScanResult>;
}

export type SizeAction = 'accept' | 'tempfail' | 'reject';

export interface SessionOptions {
  scanTimeoutMs: number;
  progressIntervalMs: number;
  maxMessageBytes: number;
  sizeAction: SizeAction;
  replies: MilterReplyOptions;
  /** `scan`, `skip`, or a settings profile name, for authenticated and local senders. */
  authenticated: string;
  localNetworks: IpSet;
  settingsId?: string;
}

export interface SessionDeps {
  scanner: MilterScanner;
  log: Logger;
  failSafe: ScanFailSafe<MilterReply[]>;
  options: SessionOptions;
  /** Writes replies to the MTA, in order. */
  write(replies: MilterReply[]): void;
}

/** What the connection does after a command: go on, close because the MTA said QUIT, or close on a protocol error. */
export type Outcome = { close: false } | { close: true; error?: string };

/** Texts for oversize messages (RFC 3463 4.3.4/5.3.4: message too big for system). */
const SIZE_TEXTS = { reject: ERROR_CODES.ERR_MESSAGE_TOO_LARGE.smtpReply, tempfail: '452 4.3.4 Message too big, try again later' } as const;

/**
 * `optneg`: nothing yet. `connect`: negotiated, waiting for CONNECT. `session`: between messages. Then one
 * state per message stage; `decided` when the message's answer went out before end of body.
 */
type State = 'optneg' | 'connect' | 'session' | 'mail' | 'rcpt' | 'data' | 'headers' | 'body' | 'decided';

/** Where each command may arrive (MACRO, UNKNOWN, ABORT, QUIT and QUIT_NC may arrive at any point after negotiation). */
const ALLOWED: Record<string, readonly State[]> = {
  optneg: ['optneg', 'connect'],
  connect: ['connect'],
  helo: ['session'],
  // After an answer given early the MTA may go straight to the next MAIL.
  mail: ['session', 'decided'],
  rcpt: ['mail', 'rcpt', 'decided'],
  data: ['rcpt', 'decided'],
  header: ['rcpt', 'data', 'headers', 'decided'],
  eoh: ['rcpt', 'data', 'headers', 'decided'],
  body: ['rcpt', 'data', 'headers', 'body', 'decided'],
  eob: ['rcpt', 'data', 'headers', 'body', 'decided'],
};

/** The SMFIC char of each event that may want a reply, for the no-reply bits. */
const EVENT_CHAR: Record<string, string> = { connect: 'C', helo: 'H', mail: 'M', rcpt: 'R', data: 'T', header: 'L', eoh: 'N', body: 'B', unknown: 'U' };

interface MessageState {
  mail: string[];
  rcpts: string[];
  buffer: MessageBuffer;
  /** Authenticated or local sender whose mail is accepted unscanned (`authenticated: skip`). */
  skip: boolean;
  /** The answer, once given before end of body. */
  decided: MilterReply[] | undefined;
}

const CONTINUE: MilterReply[] = [{ type: 'continue' }];
const ACCEPT: MilterReply[] = [{ type: 'accept' }];
const OK: Outcome = { close: false };

export class MilterSession {
  readonly #deps: SessionDeps;
  readonly #macros = new Macros();
  #state: State = 'optneg';
  #negotiated: Negotiated | undefined;
  #client: ClientInfo | undefined;
  #helo: string | undefined;
  #message: MessageState | undefined;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
  }

  /** True while a message is between MAIL and its end-of-body answer (a drain waits for it). */
  get inMessage(): boolean {
    return this.#message !== undefined;
  }

  handle(cmd: MilterCommand): Outcome | Promise<Outcome> {
    if (cmd.type === 'quit') return { close: true };
    if (this.#state === 'optneg' && cmd.type !== 'optneg') return this.#outOfOrder(cmd);
    switch (cmd.type) {
      case 'macro':
        this.#macros.set(cmd.stage, cmd.macros);
        return OK;
      case 'abort':
        this.#endMessage();
        return OK;
      case 'quit_nc':
        this.#endMessage();
        this.#macros.resetAll();
        this.#client = undefined;
        this.#helo = undefined;
        this.#state = 'connect';
        return OK;
      case 'unknown':
        return this.#event(cmd);
    }
    if (!ALLOWED[cmd.type]?.includes(this.#state)) return this.#outOfOrder(cmd);
    switch (cmd.type) {
      case 'optneg':
        return this.#optneg(cmd);
      case 'connect':
        this.#client = { hostname: cmd.hostname, family: cmd.family, port: cmd.port, address: cmd.address };
        this.#state = 'session';
        return this.#event(cmd);
      case 'helo':
        this.#helo = cmd.name;
        return this.#event(cmd);
      case 'mail':
        return this.#mail(cmd.args);
      case 'rcpt':
        if (this.#message!.rcpts.length < MAX_RECIPIENTS) this.#message!.rcpts.push(cmd.args[0]);
        return this.#advance('rcpt', cmd);
      case 'data':
        return this.#advance('data', cmd);
      case 'header':
        if (this.#buffering()) this.#message!.buffer.addHeader(cmd.name, cmd.value);
        return this.#advance('headers', cmd);
      case 'eoh':
        if (this.#buffering()) this.#message!.buffer.endHeaders();
        return this.#advance('body', cmd);
      case 'body':
        if (this.#buffering()) this.#message!.buffer.addBody(cmd.chunk);
        return this.#advance('body', cmd);
      case 'eob':
        if (this.#buffering()) this.#message!.buffer.addBody(cmd.chunk);
        return this.#endOfBody();
    }
  }

  /** Message bytes are kept only while they may still be scanned. */
  #buffering(): boolean {
    const m = this.#message!;
    return !m.skip && m.decided === undefined;
  }

  /** SASL-authenticated, or connecting from `local_networks`. */
  #isLocal(): boolean {
    return authUser(this.#macros) !== undefined || this.#deps.options.localNetworks.lookup(clientIp(this.#env(), this.#macros) ?? '') !== undefined;
  }

  #outOfOrder(cmd: MilterCommand): Outcome {
    return { close: true, error: `${cmd.type.toUpperCase()} out of order (state ${this.#state})` };
  }

  #optneg(cmd: Extract<MilterCommand, { type: 'optneg' }>): Outcome {
    const r = negotiate(cmd);
    if (!r.ok) return { close: true, error: r.reason };
    this.#negotiated = r.reply;
    this.#state = 'connect';
    this.#deps.write([{ type: 'optneg', ...r.reply }]);
    return OK;
  }

  #mail(args: string[]): Outcome {
    const local = this.#isLocal();
    this.#message = {
      mail: args,
      rcpts: [],
      buffer: new MessageBuffer(this.#deps.options.maxMessageBytes),
      skip: local && this.#deps.options.authenticated === 'skip',
      decided: undefined,
    };
    this.#state = 'mail';
    return this.#event({ type: 'mail' });
  }

  /** Moves the message on (unless its answer is already out) and answers the event if the MTA waits for it. */
  #advance(next: State, cmd: MilterCommand): Outcome {
    if (this.#state !== 'decided') this.#state = next;
    return this.#event(cmd);
  }

  /**
   * Replies to an event when the MTA expects one: CONTINUE, or the message's answer as soon as it is known
   * (an unscanned sender, or an oversize message whose size action can be given now).
   */
  #event(cmd: { type: string }): Outcome {
    if (!expectsReply(this.#negotiated!, EVENT_CHAR[cmd.type])) return OK;
    const m = this.#message;
    if (m && !m.decided && cmd.type !== 'unknown') {
      if (m.skip) m.decided = ACCEPT;
      else if (m.buffer.oversize) m.decided = this.#sizeAnswer(m);
      if (m.decided) this.#state = 'decided';
    }
    this.#deps.write(m?.decided && cmd.type !== 'unknown' ? m.decided : CONTINUE);
    return OK;
  }

  #sizeAnswer(m: MessageState): MilterReply[] {
    const action = this.#deps.options.sizeAction;
    this.#deps.log.info({ size: m.buffer.size, limit: m.buffer.maxBytes, sizeAction: action, queueId: this.#macros.get('i') }, 'milter: message over max_message_size; not scanned');
    if (action === 'accept') return ACCEPT;
    return [{ type: 'replycode', text: smtpReplyText(action === 'reject' ? '5' : '4', SIZE_TEXTS[action], SIZE_TEXTS[action]) }];
  }

  async #endOfBody(): Promise<Outcome> {
    const m = this.#message!;
    let replies: MilterReply[];
    if (m.decided) replies = m.decided;
    else if (m.skip) replies = ACCEPT;
    else if (m.buffer.oversize) replies = this.#sizeAnswer(m);
    else replies = await this.#scan(m);
    this.#deps.write(replies);
    this.#endMessage();
    return OK;
  }

  async #scan(m: MessageState): Promise<MilterReply[]> {
    const { options, failSafe, scanner } = this.#deps;
    const settingsId = this.#isLocal() && options.authenticated !== 'scan' ? options.authenticated : options.settingsId;
    const request = toScanRequest(this.#env(), this.#macros, m.buffer.bytes(), settingsId);
    const progress = setInterval(() => this.#deps.write([{ type: 'progress' }]), options.progressIntervalMs);
    let result: ScanResult;
    try {
      result = await withTimeout(scanner.scan(request), options.scanTimeoutMs);
    } catch (err) {
      return failSafe.scanFailed(err instanceof Error ? err.message : String(err));
    } finally {
      clearInterval(progress);
    }
    const replies = milterReplies(result, m.buffer.headerNames, this.#abilities(), options.replies);
    const failed = failedChecks(result);
    if (failed.length === 0) {
      failSafe.succeeded();
      return replies;
    }
    return failSafe.checksFailed(failed, replies, replies[replies.length - 1].type === 'accept' && !replies.some((r) => r.type === 'quarantine'));
  }

  #abilities(): MilterAbilities {
    const n = this.#negotiated!;
    return { addHeaders: allows(n, SMFIF.ADDHDRS), changeHeaders: allows(n, SMFIF.CHGHDRS), quarantine: allows(n, SMFIF.QUARANTINE) };
  }

  #env() {
    return { client: this.#client, helo: this.#helo, mail: this.#message?.mail, rcpts: this.#message?.rcpts ?? [] };
  }

  /** ABORT, end of body or QUIT_NC: the message's data goes, the connection's stays. */
  #endMessage(): void {
    this.#message = undefined;
    this.#macros.resetMessage();
    if (this.#state !== 'optneg' && this.#state !== 'connect') this.#state = 'session';
  }
}
