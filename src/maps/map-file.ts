// Splits map-file text into entries: one per line, `#` comments, blank lines ignored, optional value after whitespace.

export interface MapEntry {
  /** The entry itself (an address, CIDR, domain, e-mail address or regex literal), as written. */
  key: string;
  /** Text after the key on the same line, comment stripped; undefined when none. */
  value?: string;
  /** 1-based line number, for error messages. */
  line: number;
}

/** Lines longer than this are refused: a map line is a key and a short note, never a blob. */
export const MAX_MAP_LINE_CHARS = 8 * 1024;

export class MapParseError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

/**
 * Parses map text. `regexKeys` makes a key starting with `/` extend to its closing `/flags`, so a regex may contain
 * spaces and `#`. Elsewhere `#` starts a comment at the start of a line or after whitespace.
 */
export function parseMapText(text: string, opts: { regexKeys?: boolean } = {}): MapEntry[] {
  const out: MapEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.length > MAX_MAP_LINE_CHARS) throw new MapParseError(`line longer than ${MAX_MAP_LINE_CHARS} characters`, lineNo);
    let keyEnd: number;
    if (opts.regexKeys && line.startsWith('/')) {
      keyEnd = regexLiteralEnd(line);
      if (keyEnd < 0) throw new MapParseError(`regex ${line} has no closing '/'`, lineNo);
    } else {
      const ws = line.search(/\s/);
      keyEnd = ws < 0 ? line.length : ws;
    }
    const key = line.slice(0, keyEnd);
    const value = stripComment(line.slice(keyEnd)).trim();
    out.push(value === '' ? { key, line: lineNo } : { key, value, line: lineNo });
  }
  return out;
}

/** Index just past `/pattern/flags` at the start of `line`, honouring escapes and classes; -1 if unclosed. */
function regexLiteralEnd(line: string): number {
  let i = 1;
  let inClass = false;
  while (i < line.length) {
    const c = line[i];
    if (c === '\\') i += 2;
    else if (c === '[') (inClass = true), i++;
    else if (c === ']') (inClass = false), i++;
    else if (c === '/' && !inClass) break;
    else i++;
  }
  if (i >= line.length) return -1;
  i++;
  while (i < line.length && /[a-z]/i.test(line[i])) i++;
  return i;
}

function stripComment(rest: string): string {
  const m = /(^|\s)#/.exec(rest);
  return m ? rest.slice(0, m.index) : rest;
}
