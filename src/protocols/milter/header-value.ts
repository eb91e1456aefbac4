// Makes header values safe for SMFIR_ADDHEADER/CHGHEADER: LF-folded lines (the MTA adds the CR), ASCII only (RFC 2047 encoded-words otherwise).

/** Bytes of UTF-8 per encoded-word: 45 bytes → 60 base64 chars, so `=?UTF-8?B?…?=` stays within RFC 2047's 75. */
export const ENCODED_WORD_BYTES = 45;

const NON_ASCII = /[^\x00-\x7f]/;

/** `=?UTF-8?B?…?=` words, split on character boundaries, joined by folds (whitespace between encoded-words is not displayed). */
export function encodeWords(text: string): string {
  const words: string[] = [];
  let current: Buffer[] = [];
  let bytes = 0;
  const flush = () => {
    if (bytes === 0) return;
    words.push(`=?UTF-8?B?${Buffer.concat(current).toString('base64')}?=`);
    current = [];
    bytes = 0;
  };
  for (const ch of text) {
    const b = Buffer.from(ch, 'utf8');
    if (bytes + b.length > ENCODED_WORD_BYTES) flush();
    current.push(b);
    bytes += b.length;
  }
  flush();
  return words.join('\n ');
}

/**
 * Any line break becomes a fold (LF + whitespace), empty continuation lines disappear (they would end the
 * header block), other control characters become spaces, and a line with non-ASCII text is encoded.
 */
export function headerValue(value: string): string {
  const lines = value.split(/\r\n|\r|\n/);
  const out: string[] = [];
  for (const [i, raw] of lines.entries()) {
    let line = raw.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' ');
    if (i > 0 && line.trim() === '') continue;
    if (NON_ASCII.test(line)) {
      const lead = /^[ \t]*/.exec(line)![0];
      line = lead + encodeWords(line.slice(lead.length));
    }
    if (i > 0 && !/^[ \t]/.test(line)) line = `\t${line}`;
    out.push(line);
  }
  return out.join('\n');
}
