// The ParsedMessage the parser returns: structure, text and anomalies are read at parse time; addresses, dates, Received hops, HTML text, URLs and e-mail addresses are derived on first read and kept (RFC 5322, RFC 5321 §4.4).
import type { Address, FoundUrl, HeaderField, MimeAnomaly, MimePart, ParsedMessage, ReceivedHop } from './model.ts';
import { parseAddressList } from './addresses.ts';
import { parseMailDate } from './date.ts';
import { parseMessageId } from './message-id.ts';
import { htmlToText } from './html-text.ts';
import { extractUrls, moreEmails } from './urls.ts';
import { parseReceived } from './received.ts';

/** Headers whose values carry URLs worth checking (RFC 2369, RFC 8058). */
const URL_HEADERS = ['list-unsubscribe', 'list-subscribe', 'list-help', 'list-post', 'list-archive', 'list-owner'];

export interface MessageInit {
  size: number;
  headers: HeaderField[];
  parts: MimePart[];
  /** Decoded inline text/plain parts, in order. */
  plain: string[];
  /** Inline text/html parts, in order. */
  htmlParts: string[];
  anomalies: MimeAnomaly[];
  /** Text, or the bytes to decode (windows-1252, the WHATWG `latin1`) on first read. */
  rawHeaders: string | Uint8Array;
  rawBody: string | Uint8Array;
}

const latin1 = new TextDecoder('latin1');

/**
 * Each derived field costs parse time that most callers never use (the classifier reads no
 * Received hop, no date and no body e-mail address), so it is computed on first read and then
 * memoised. The fields have getters only: the model is read-only, as before, and a derived value
 * never changes once read. Derivations only read what the constructor stored, never the input
 * bytes, so a caller may reuse its buffer as soon as `parseMessage` resolves.
 */
export class Message implements ParsedMessage {
  readonly size: number;
  readonly headers: HeaderField[];
  readonly header: (name: string) => HeaderField[];
  readonly first: (name: string) => string | undefined;
  readonly parts: MimePart[];
  readonly text: string;
  readonly html: string;
  readonly anomalies: MimeAnomaly[];
  readonly #htmlParts: string[];
  #rawHeaders: string | Uint8Array;
  #rawBody: string | Uint8Array;
  #from?: Address[];
  #replyTo?: Address[];
  #to?: Address[];
  #cc?: Address[];
  #sender?: { v: Address | undefined };
  #date?: { v: Date | undefined };
  #messageId?: { v: string | undefined };
  #htmlText?: string;
  #urls?: FoundUrl[];
  /** HTML mailto: addresses, found by the URL pass. */
  #linkEmails?: string[];
  #emails?: string[];
  #received?: ReceivedHop[];

  constructor(init: MessageInit) {
    this.size = init.size;
    const headers = init.headers;
    this.headers = headers;
    // Built on the first lookup: the bulk classifier path never looks a field up by name.
    let byKey: Map<string, HeaderField[]> | undefined;
    const index = (): Map<string, HeaderField[]> => {
      if (byKey) return byKey;
      byKey = new Map();
      for (const f of headers) {
        const list = byKey.get(f.key);
        if (list) list.push(f);
        else byKey.set(f.key, [f]);
      }
      return byKey;
    };
    // Own function properties rather than methods, so `const { first } = msg` keeps working.
    this.header = (name) => index().get(name.toLowerCase()) ?? [];
    this.first = (name) => index().get(name.toLowerCase())?.[0]?.value;
    this.parts = init.parts;
    this.text = init.plain.join('\n');
    this.#htmlParts = init.htmlParts;
    this.html = init.htmlParts.join('\n');
    this.anomalies = init.anomalies;
    this.#rawHeaders = init.rawHeaders;
    this.#rawBody = init.rawBody;
  }

  get rawHeaders(): string {
    if (typeof this.#rawHeaders !== 'string') this.#rawHeaders = latin1.decode(this.#rawHeaders);
    return this.#rawHeaders;
  }
  get rawBody(): string {
    if (typeof this.#rawBody !== 'string') this.#rawBody = latin1.decode(this.#rawBody);
    return this.#rawBody;
  }

  #addresses(key: string): Address[] {
    const out: Address[] = [];
    for (const f of this.headers) if (f.key === key) for (const a of parseAddressList(f.raw)) out.push(a);
    return out;
  }

  get subject(): string | undefined {
    return this.first('subject');
  }
  get from(): Address[] {
    return (this.#from ??= this.#addresses('from'));
  }
  get replyTo(): Address[] {
    return (this.#replyTo ??= this.#addresses('reply-to'));
  }
  get to(): Address[] {
    return (this.#to ??= this.#addresses('to'));
  }
  get cc(): Address[] {
    return (this.#cc ??= this.#addresses('cc'));
  }
  get sender(): Address | undefined {
    return (this.#sender ??= { v: this.#addresses('sender')[0] }).v;
  }
  get dateRaw(): string | undefined {
    return this.first('date');
  }
  get date(): Date | undefined {
    if (this.#date === undefined) {
      const raw = this.dateRaw;
      this.#date = { v: raw !== undefined ? parseMailDate(raw) : undefined };
    }
    return this.#date.v;
  }
  get messageId(): string | undefined {
    if (this.#messageId === undefined) {
      const raw = this.first('message-id');
      this.#messageId = { v: raw !== undefined ? parseMessageId(raw) : undefined };
    }
    return this.#messageId.v;
  }
  get htmlText(): string {
    return (this.#htmlText ??= this.#htmlParts.map(htmlToText).join('\n'));
  }
  get received(): ReceivedHop[] {
    return (this.#received ??= this.header('received').map((f) => parseReceived(f.raw)));
  }
  get urls(): FoundUrl[] {
    if (this.#urls === undefined) {
      const headers: string[] = [];
      for (const k of URL_HEADERS) for (const f of this.headers) if (f.key === k) headers.push(f.value);
      const found = extractUrls({ text: [this.text, this.htmlText], html: this.#htmlParts, headers }, false);
      this.#urls = found.urls;
      this.#linkEmails = found.emails;
    }
    return this.#urls;
  }
  get emails(): string[] {
    if (this.#emails === undefined) {
      // The mailto: links come from the URL pass (cheap there); the text scan is only paid for here.
      void this.urls;
      this.#emails = moreEmails(this.#linkEmails ?? [], [this.text, this.htmlText]);
    }
    return this.#emails;
  }
}
