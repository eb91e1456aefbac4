// Tells whether a MIME charset label (RFC 2045 `charset=`, RFC 2047 encoded-word) names an encoding we can decode.

/** Labels seen per process are few; the cap only guards against a flood of invented names. */
const MAX_CACHED_LABELS = 1024;

const cache = new Map<string, boolean>();

function decodable(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `label` resolves to a TextDecoder encoding, directly or after dropping the vendor
 * decorations mailers add (`x-`, `cs`, code-page spellings such as `cp1252`). The parser library
 * resolves labels the same way and silently falls back to windows-1252 otherwise, which is why an
 * unknown label is worth an anomaly.
 */
export function isKnownCharset(label: string): boolean {
  const key = label.trim().toLowerCase();
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const bare = key.replace(/^(?:x-ms-|x-|cs)/, '');
  const codePage = /^(?:cp|windows|ms|ibm)[-_]?(\d+)$/.exec(bare);
  const known =
    key !== '' &&
    (decodable(key) ||
      decodable(bare) ||
      decodable(bare.replace(/[\s._-]+/g, '')) ||
      (codePage !== null && (decodable(`windows-${codePage[1]}`) || decodable(`ibm${codePage[1]}`))) ||
      /^iso-2022-jp-[12]$/.test(key));
  if (cache.size >= MAX_CACHED_LABELS) cache.clear();
  cache.set(key, known);
  return known;
}
