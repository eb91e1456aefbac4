// spamd's fake SMTP dialogue (PROTOCOLS §7.2): exact reply strings, lenient command order, one step per client line.

/** spamd reads commands into an 8192-byte buffer; longer lines are refused as unrecognized. */
export const MAX_LINE_BYTES = 8192;
/** More unrecognized commands than this and the client is dropped. */
export const MAX_BAD_COMMANDS = 20;
/** RCPTs per connection that are recorded (each one is a store write); later ones are refused. */
export const MAX_RCPTS = 100;
/** Commands per connection in all: a client looping on NOOP is dropped eventually. */
export const MAX_COMMANDS = 500;
/** A blacklisted client's DATA is read to the final dot or this many body lines, as spamd does. */
export const BLACK_BODY_LINES = 10;

export const REPLY = {
  helo: '250 Hello, spam sender. Pleased to be wasting your time.',
  heloNeedsDomain: '501 helo requires domain name.',
  mail: '250 You are about to try to deliver spam. Your time will be spent, for nothing.',
  rcpt: '250 This is hurting you more than it is hurting me.',
  tooManyRcpts: '452 4.5.3 Too many recipients',
  rset: '250 Ok to start over.',
  noop: '250 2.0.0 OK I did nothing',
  unknown: '500 5.5.1 Command unrecognized',
  data: '354 Enter spam, end with "." on a line by itself',
  grey: '451 Temporary failure, please try again later.',
  starttls: '220 glad you want to burn more CPU cycles on your spam',
} as const;

export type DialogueMode = 'grey' | 'black';

export type Step =
  /** Send `text`, then read the next line. */
  | { kind: 'reply'; text: string }
  /** Send `text`, then close. */
  | { kind: 'close'; text: string }
  /** Greylisted RCPT with a full tuple: scan it, then send `text` (or hand the session to the real MTA). */
  | { kind: 'rcpt'; mailFrom: string; rcpt: string; text: string }
  /** Send `text`, then start TLS. */
  | { kind: 'starttls'; text: string }
  /** Nothing to send (a DATA body line); read on. */
  | { kind: 'none' };

export interface DialogueOptions {
  hostname: string;
  mode: DialogueMode;
  /** STARTTLS is offered on EHLO (never to blacklisted clients). */
  offerTls: boolean;
  /** The full reply a blacklisted client gets after its DATA (see blacklistReply). */
  blackReply: string;
}

/** The client's commands as sent, for replaying them to the real MTA when a tuple passes. */
export interface Transcript {
  helo: string | undefined;
  mail: string | undefined;
  rcpts: string[];
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime(3) without the newline: `Wed Jun 30 21:49:08 1993`, local time. */
export function ctime(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

export function bannerLine(hostname: string, name: string, now: Date): string {
  return `220 ${hostname} ESMTP ${name}; ${ctime(now)}`;
}

/**
 * The blacklist reply (spamd build_reply): every line of the messages prefixed with the code, `NNN-` on all
 * but the last line, `NNN ` on the last; spamd's generic text when there is no message.
 */
export function blacklistReply(code: 450 | 550, message: string, ip: string): string {
  const lines = message.trim() === '' ? [`Sorry ${ip}`, 'You are trying to send mail from an address listed by one', 'or more IP-based registries as being a SPAM source.'] : message.split('\n');
  return lines.map((l, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${l.replace(/\r$/, '')}`).join('\n');
}

/** spamd's match(): case-insensitive prefix. */
function is(line: string, verb: string): boolean {
  return line.length >= verb.length && line.slice(0, verb.length).toUpperCase() === verb;
}

/** spamd's gethelo: the first word after HELO/EHLO. */
function heloArg(line: string): string {
  return line.slice(4).trim().split(/[ \t]/)[0] ?? '';
}

/** spamd's setlog: the first token after the colon (`<a@b>` as sent), or '' when there is none. */
export function pathArg(line: string): string {
  const colon = line.indexOf(':');
  if (colon < 0) return '';
  return line.slice(colon + 1).trim().split(/[ \t]/)[0] ?? '';
}

/** `<a@b>` → `a@b`; `<>` → ''. */
export function unbracket(path: string): string {
  return path.startsWith('<') && path.endsWith('>') ? path.slice(1, -1) : path;
}

/**
 * Levels follow spamd's states: 0 before HELO, 1 after HELO, 2 after MAIL or RCPT. spamd falls through
 * its states, so MAIL works without HELO and RCPT and DATA work at any level; HELO only at the start.
 */
export class FakeSmtpDialogue {
  readonly opts: DialogueOptions;
  readonly transcript: Transcript = { helo: undefined, mail: undefined, rcpts: [] };
  helo: string | undefined;
  /** MAIL FROM address without brackets, once given. */
  mailFrom: string | undefined;
  tls = false;
  #level = 0;
  #esmtp = false;
  #bad = 0;
  #commands = 0;
  #rcptCount = 0;
  /** Reading a blacklisted client's DATA: -1 in the headers, then body lines read. */
  #body: number | undefined;

  constructor(opts: DialogueOptions) {
    this.opts = opts;
  }

  /** Whether the dialogue is reading a DATA body (body lines are not commands). */
  get inData(): boolean {
    return this.#body !== undefined;
  }

  /** After the TLS handshake the client starts over with EHLO (RFC 3207 §4.2). */
  tlsStarted(): void {
    this.tls = true;
    this.#level = 0;
    this.#esmtp = false;
    this.#reset();
    this.helo = undefined;
    this.transcript.helo = undefined;
  }

  /** One client line (without CRLF; `overlong` when it exceeded MAX_LINE_BYTES and was cut). */
  line(line: string, overlong = false): Step {
    if (this.#body !== undefined) return this.#bodyLine(line);
    if (++this.#commands > MAX_COMMANDS) return { kind: 'close', text: `421 ${this.opts.hostname} too many commands, closing connection` };
    if (overlong) return this.#unknown();
    const hostname = this.opts.hostname;
    if (is(line, 'QUIT')) return { kind: 'close', text: `221 ${hostname}` };
    if (is(line, 'RSET') && this.#level >= 1) {
      this.#level = 1;
      this.#reset();
      return { kind: 'reply', text: REPLY.rset };
    }
    if (this.#level === 0 && (is(line, 'HELO') || is(line, 'EHLO'))) {
      const arg = heloArg(line);
      if (arg === '') return { kind: 'reply', text: REPLY.heloNeedsDomain };
      this.helo = arg;
      this.transcript.helo = line;
      this.#esmtp = is(line, 'EHLO');
      this.#level = 1;
      if (this.#esmtp && this.opts.offerTls && !this.tls && this.opts.mode === 'grey') {
        return { kind: 'reply', text: `${REPLY.helo.replace(/^250 /, '250-')}\n250 STARTTLS` };
      }
      return { kind: 'reply', text: REPLY.helo };
    }
    if (this.#level === 1 && is(line, 'STARTTLS') && this.#esmtp && this.opts.offerTls && !this.tls && this.opts.mode === 'grey') {
      return { kind: 'starttls', text: REPLY.starttls };
    }
    if (this.#level <= 1 && is(line, 'MAIL')) {
      const path = pathArg(line);
      this.mailFrom = path === '' ? undefined : unbracket(path);
      this.transcript.mail = line;
      this.#level = 2;
      return { kind: 'reply', text: REPLY.mail };
    }
    if (is(line, 'RCPT')) return this.#rcpt(line);
    if (is(line, 'DATA')) {
      if (this.opts.mode === 'grey') return { kind: 'close', text: REPLY.grey };
      this.#body = -1;
      return { kind: 'reply', text: REPLY.data };
    }
    if (is(line, 'NOOP')) return { kind: 'reply', text: REPLY.noop };
    return this.#unknown();
  }

  #rcpt(line: string): Step {
    this.#level = 2;
    if (++this.#rcptCount > MAX_RCPTS) return { kind: 'reply', text: REPLY.tooManyRcpts };
    const rcpt = unbracket(pathArg(line));
    this.transcript.rcpts.push(line);
    // spamd sends a tuple only when it has both a sender and a recipient; blacklisted clients send none.
    if (this.opts.mode === 'grey' && this.mailFrom !== undefined && rcpt !== '') {
      return { kind: 'rcpt', mailFrom: this.mailFrom, rcpt, text: REPLY.rcpt };
    }
    return { kind: 'reply', text: REPLY.rcpt };
  }

  #bodyLine(line: string): Step {
    if (line === '.') return this.#blackEnd();
    if (this.#body === -1) {
      if (line === '') this.#body = 0;
      return { kind: 'none' };
    }
    this.#body = (this.#body ?? 0) + 1;
    return this.#body >= BLACK_BODY_LINES ? this.#blackEnd() : { kind: 'none' };
  }

  #blackEnd(): Step {
    this.#body = undefined;
    return { kind: 'close', text: this.opts.blackReply };
  }

  #unknown(): Step {
    if (++this.#bad > MAX_BAD_COMMANDS) return { kind: 'close', text: REPLY.unknown };
    return { kind: 'reply', text: REPLY.unknown };
  }

  #reset(): void {
    this.mailFrom = undefined;
    this.transcript.mail = undefined;
    this.transcript.rcpts = [];
  }
}
