// Builders for the small hand-written RFC 5322 / MIME test messages the content checks' tests share (written for winnow, not taken from any corpus).

/** Date of every fixture message; tests pin the scan clock near it with `FIXTURE_NOW_MS`. */
export const FIXTURE_DATE = 'Tue, 04 Mar 2025 10:00:00 +0000';
/** Ten minutes after FIXTURE_DATE: a plausible delivery time. */
export const FIXTURE_NOW_MS = Date.UTC(2025, 2, 4, 10, 10, 0);

export type HeaderList = Array<[name: string, value: string]>;

/** Headers of a plain, well-formed personal message. */
export function baseHeaders(): HeaderList {
  return [
    ['From', 'Alice Example <alice@example.org>'],
    ['To', 'Bob Example <bob@example.net>'],
    ['Subject', 'Lunch on Friday'],
    ['Date', FIXTURE_DATE],
    ['Message-ID', '<20250304100000.4711@mail.example.org>'],
    ['MIME-Version', '1.0'],
  ];
}

export interface MessageEdit {
  /** Replaces the first field of that name (case-insensitive) or appends it; `null` removes every field of that name. */
  set?: Record<string, string | null>;
  /** Appended after the other headers, duplicates allowed. */
  add?: HeaderList;
  /** Body text; a plain text/plain body when omitted. */
  body?: string;
  /** Content-Type of the top level; `text/plain; charset=utf-8` when omitted. */
  contentType?: string;
  /** Content-Transfer-Encoding of the top level, when set. */
  encoding?: string;
}

function applyEdits(headers: HeaderList, set: Record<string, string | null> | undefined): HeaderList {
  let out = headers.slice();
  for (const [name, value] of Object.entries(set ?? {})) {
    const key = name.toLowerCase();
    if (value === null) {
      out = out.filter(([n]) => n.toLowerCase() !== key);
      continue;
    }
    const i = out.findIndex(([n]) => n.toLowerCase() === key);
    if (i >= 0) out[i] = [out[i][0], value];
    else out.push([name, value]);
  }
  return out;
}

export function render(headers: HeaderList, body: string): string {
  const head = headers.map(([n, v]) => `${n}: ${v}`).join('\r\n');
  return `${head}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`;
}

/** A simple message built from `baseHeaders()` with edits applied. */
export function message(edit: MessageEdit = {}): string {
  const headers = applyEdits(baseHeaders(), edit.set);
  const ct = headers.some(([n]) => n.toLowerCase() === 'content-type');
  if (!ct) headers.push(['Content-Type', edit.contentType ?? 'text/plain; charset=utf-8']);
  if (edit.encoding) headers.push(['Content-Transfer-Encoding', edit.encoding]);
  headers.push(...(edit.add ?? []));
  return render(headers, edit.body ?? 'Hi Bob,\n\nare we still on for lunch on Friday at noon?\n\nAlice\n');
}

export interface PartSpec {
  headers: HeaderList;
  body: string;
}

/** A text part. */
export function textPart(body: string, subtype = 'plain', charset = 'utf-8'): PartSpec {
  return { headers: [['Content-Type', `text/${subtype}; charset=${charset}`]], body };
}

/** A base64 attachment; `contentType` as declared, `bytes` the decoded content. */
export function attachmentPart(filename: string, contentType: string, bytes: Uint8Array | string): PartSpec {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  const b64 = buf.toString('base64').replace(/.{76}/g, '$&\n');
  return {
    headers: [
      ['Content-Type', `${contentType}; name="${filename}"`],
      ['Content-Transfer-Encoding', 'base64'],
      ['Content-Disposition', `attachment; filename="${filename}"`],
    ],
    body: b64,
  };
}

/** Serialises `parts` as the body of a multipart entity with `boundary`. */
export function multipartBody(parts: PartSpec[], boundary: string): string {
  const chunks = parts.map((p) => `--${boundary}\n${p.headers.map(([n, v]) => `${n}: ${v}`).join('\n')}\n\n${p.body}\n`);
  return `This is a multi-part message in MIME format.\n\n${chunks.join('')}--${boundary}--\n`;
}

/** A multipart/`subtype` entity usable as a part of another multipart. */
export function multipartPart(subtype: string, parts: PartSpec[], boundary: string): PartSpec {
  return { headers: [['Content-Type', `multipart/${subtype}; boundary="${boundary}"`]], body: multipartBody(parts, boundary) };
}

/** A whole multipart message from `baseHeaders()` with edits. */
export function multipartMessage(subtype: string, parts: PartSpec[], edit: Omit<MessageEdit, 'body' | 'contentType'> = {}, boundary = 'b1_winnow_fixture'): string {
  return message({ ...edit, contentType: `multipart/${subtype}; boundary="${boundary}"`, body: multipartBody(parts, boundary) });
}

/** A text/plain + text/html alternative message. */
export function alternativeMessage(text: string, html: string, edit: Omit<MessageEdit, 'body' | 'contentType'> = {}): string {
  return multipartMessage('alternative', [textPart(text), textPart(html, 'html')], edit, 'alt_winnow_fixture');
}
