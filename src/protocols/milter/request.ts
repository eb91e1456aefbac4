// Maps milter session data (CONNECT, HELO, MAIL, RCPT and the macros of every stage, PROTOCOLS.md §1.6) to a ScanRequest.

import type { ScanRequest } from '../../core/types.ts';
import { normalizeIp } from '../../net/ip-address.ts';
import type { ConnectFamily } from './codec.ts';

/** Most macros kept per connection: Postfix sends about 25; a flood from a broken MTA must not grow memory. */
export const MAX_MACROS = 200;
/** Most recipients kept per message; Postfix's smtpd_recipient_limit defaults to 1000. */
export const MAX_RECIPIENTS = 10_000;

/** `{auth_authen}` → `auth_authen`: libmilter treats `i` and `{i}` as one name. */
export function macroName(raw: string): string {
  return raw.startsWith('{') && raw.endsWith('}') ? raw.slice(1, -1) : raw;
}

/**
 * Macros of the session (CONNECT and HELO stages) and of the current message (MAIL onwards). A later
 * value overrides an earlier one; ABORT forgets the message's.
 */
export class Macros {
  #session = new Map<string, string>();
  #message = new Map<string, string>();

  set(stage: string, pairs: readonly [string, string][]): void {
    const target = stage === 'C' || stage === 'H' ? this.#session : this.#message;
    for (const [name, value] of pairs) {
      const key = macroName(name);
      if (!target.has(key) && this.#session.size + this.#message.size >= MAX_MACROS) continue;
      target.set(key, value);
    }
  }

  get(name: string): string | undefined {
    return this.#message.get(name) ?? this.#session.get(name);
  }

  resetMessage(): void {
    this.#message.clear();
  }

  resetAll(): void {
    this.#session.clear();
    this.#message.clear();
  }

  /** Every macro, message values over session ones. */
  all(): Map<string, string> {
    return new Map([...this.#session, ...this.#message]);
  }
}

export interface ClientInfo {
  hostname: string;
  family: ConnectFamily;
  port: number;
  address: string;
}

/** What one message collected besides its bytes. */
export interface Envelope {
  client: ClientInfo | undefined;
  helo: string | undefined;
  /** MAIL argv: the address as sent (angle brackets) then ESMTP parameters. */
  mail: string[] | undefined;
  /** RCPT addresses as sent. */
  rcpts: string[];
}

/** `<a@b>` → `a@b`, `<>` → ''; a source route (`<@x,@y:a@b>`) keeps only the mailbox. */
export function stripBrackets(addr: string): string {
  let a = addr.trim();
  if (a.startsWith('<') && a.endsWith('>')) a = a.slice(1, -1);
  const colon = a.startsWith('@') ? a.indexOf(':') : -1;
  return colon >= 0 ? a.slice(colon + 1) : a;
}

/** Postfix and Sendmail say "no name" as `unknown` (macros) or `[addr]` (CONNECT hostname). */
function knownName(name: string | undefined): string | undefined {
  if (!name || name.toLowerCase() === 'unknown' || (name.startsWith('[') && name.endsWith(']'))) return undefined;
  return name;
}

/** The client's IP: CONNECT's address for TCP families, else the `{client_addr}` macro. */
export function clientIp(envelope: Envelope, macros: Macros): string | undefined {
  const c = envelope.client;
  if (c && (c.family === '4' || c.family === '6')) return normalizeIp(c.address);
  const m = macros.get('client_addr');
  return m === undefined ? undefined : normalizeIp(m);
}

/** The authenticated user, if the MTA says the client logged in. */
export function authUser(macros: Macros): string | undefined {
  return macros.get('auth_authen') || undefined;
}

export function toScanRequest(envelope: Envelope, macros: Macros, message: Uint8Array | undefined, settingsId: string | undefined): ScanRequest {
  const request: ScanRequest = { rcptTo: envelope.rcpts.map(stripBrackets) };
  const ip = clientIp(envelope, macros);
  if (ip) request.clientIp = ip;
  const hostname = knownName(macros.get('client_name')) ?? knownName(envelope.client?.hostname);
  if (hostname) request.hostname = hostname;
  if (envelope.helo !== undefined && envelope.helo !== '') request.helo = envelope.helo;
  if (envelope.mail) request.mailFrom = stripBrackets(envelope.mail[0]);
  const user = authUser(macros);
  if (user) request.user = user;
  const queueId = macros.get('i');
  if (queueId) request.queueId = queueId;
  if (settingsId) request.settingsId = settingsId;
  if (message) request.message = message;
  const facts: Record<string, string> = {};
  for (const [name, value] of macros.all()) facts[name.toLowerCase()] = value;
  if (envelope.client) {
    facts.client_family = envelope.client.family;
    if (envelope.client.port) facts.client_port ??= String(envelope.client.port);
  }
  const esmtp = envelope.mail?.slice(1) ?? [];
  if (esmtp.length > 0) facts.mail_esmtp_args = esmtp.join(' ');
  request.facts = facts;
  return request;
}
