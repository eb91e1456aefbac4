// The parsed-message model every check reads (RFC 5322 headers, RFC 2045-2049 MIME, RFC 5321 Received trace).

export interface HeaderField {
  /** Name as written in the message. */
  name: string;
  /** Lower-cased name, for lookups. */
  key: string;
  /** Value as it appears on the wire, unfolded (CRLF+WSP → WSP), not decoded. */
  raw: string;
  /** Value with RFC 2047 encoded-words decoded to Unicode. */
  value: string;
}

export interface Address {
  /** Display name, decoded. */
  name: string;
  /** addr-spec, e.g. `user@example.com`; '' when none could be read. */
  address: string;
  /** Lower-cased domain part ('' when absent). */
  domain: string;
}

export interface MimePart {
  /** Dotted position in the tree, e.g. `1.2`. */
  id: string;
  /** Nesting depth, 0 for the top level. */
  depth: number;
  /** Lower-cased `type/subtype`; `text/plain` when absent. */
  contentType: string;
  charset?: string;
  /** `inline`, `attachment` or undefined. */
  disposition?: string;
  filename?: string;
  /** Decoded size in bytes. */
  size: number;
  /** Decoded text content for text/* parts (HTML parts keep their HTML here). */
  text?: string;
  /** First bytes of decoded content, for magic-number sniffing (at most 64 bytes). */
  head?: Uint8Array;
  isAttachment: boolean;
  headers: HeaderField[];
}

export interface FoundUrl {
  /** The URL as found, normalised to absolute form with a scheme. */
  url: string;
  /** Lower-cased host (IDN in Unicode form), or '' when none. */
  host: string;
  path: string;
  /** Where it was found. */
  source: 'text' | 'html' | 'header';
  /** For HTML links: the visible text of the anchor, when it looks like a URL itself. */
  displayed?: string;
}

export interface ReceivedHop {
  /** Name the sending host gave (HELO), from the `from` clause. */
  from?: string;
  /** Reverse DNS name the receiving host recorded, when present. */
  fromRdns?: string;
  /** Sending host's IP address, as recorded by the receiver. */
  fromIp?: string;
  by?: string;
  with?: string;
  id?: string;
  for?: string;
  date?: Date;
  raw: string;
}

/** Stable codes describing damage the parser found and worked around. */
export type MimeAnomaly =
  | 'EMPTY_MESSAGE'
  | 'NO_HEADERS'
  | 'TRUNCATED'
  | 'OVERSIZED'
  | 'BINARY_CONTENT'
  | 'BAD_HEADER_LINE'
  /** The body began without the empty line that ends the header block. */
  | 'MISSING_HEADER_END'
  | 'HEADER_TOO_LONG'
  | 'BAD_ENCODED_WORD'
  | 'MISSING_BOUNDARY'
  | 'UNCLOSED_MULTIPART'
  | 'TOO_DEEP'
  | 'TOO_MANY_PARTS'
  | 'BAD_TRANSFER_ENCODING'
  | 'BAD_CHARSET'
  | 'PARSE_FAILED';

export interface ParsedMessage {
  /** Size of the raw message in bytes. */
  size: number;
  headers: HeaderField[];
  /** Every field named `name` (case-insensitive), in message order. */
  header(name: string): HeaderField[];
  /** Decoded value of the first field named `name`. */
  first(name: string): string | undefined;
  subject?: string;
  from: Address[];
  sender?: Address;
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  /** Parsed Date header; undefined when missing or unparseable (see `dateRaw`). */
  date?: Date;
  dateRaw?: string;
  /** Message-ID without angle brackets. */
  messageId?: string;
  /** Every MIME part, depth-first, including multipart containers. */
  parts: MimePart[];
  /** All text/plain content, decoded and joined. */
  text: string;
  /** All text/html content converted to plain text, joined. */
  htmlText: string;
  /** Raw HTML of all text/html parts, joined. */
  html: string;
  urls: FoundUrl[];
  /** E-mail addresses found in text and HTML bodies, lower-cased, unique. */
  emails: string[];
  /** Received chain, most recent (top) first. */
  received: ReceivedHop[];
  anomalies: MimeAnomaly[];
  /** Raw header block as text (latin1-safe). */
  rawHeaders: string;
  /** Raw body after the header block, undecoded (latin1-safe text). */
  rawBody: string;
}

/** Parser limits; every value is a config key under `limits`. */
export interface MimeLimits {
  maxMessageBytes: number;
  maxMimeDepth: number;
  maxParts: number;
  maxHeaderBytes: number;
}

export const DEFAULT_MIME_LIMITS: MimeLimits = {
  maxMessageBytes: 50 * 1024 * 1024,
  maxMimeDepth: 20,
  maxParts: 500,
  maxHeaderBytes: 256 * 1024,
};
