// Parses RFC 5322 §3.3 date-time values, including the obsolete forms of §4.3 and the asctime/ISO shapes broken mailers send.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** RFC 5322 §4.3 zone names, as minutes east of UTC. Military letters mean "unknown" (-0000), so 0. */
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0,
  edt: -4 * 60, est: -5 * 60, cdt: -5 * 60, cst: -6 * 60,
  mdt: -6 * 60, mst: -7 * 60, pdt: -7 * 60, pst: -8 * 60,
};

/** A Date value far outside mail history is noise, not a date. */
const MIN_YEAR = 1900;
const MAX_YEAR = 9999;

const RFC_RE =
  /^(?:[a-z]+\.?,?\s*)?(\d{1,2})[\s-]+([a-z]{3,9})\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\s*([+-]\d{2}:?\d{2}|[a-z]{1,5}))?/;
const ASCTIME_RE = /^(?:[a-z]+,?\s+)?([a-z]{3,9})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:([+-]\d{4}|[a-z]{1,5})\s+)?(\d{4})/;
const SLASHED_RE = /^(\d{4})\/(\d{1,2})\/(\d{1,2})\s+(?:[a-z]+\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]{1,5})?/;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[t\s](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(z|[+-]\d{2}:?\d{2})?/;

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3));
}

function zoneMinutes(zone: string | undefined): number | undefined {
  if (!zone) return 0;
  if (zone[0] === '+' || zone[0] === '-') {
    const digits = zone.replace(':', '');
    const h = Number(digits.slice(1, 3));
    const m = Number(digits.slice(3, 5));
    if (h > 23 || m > 59) return undefined;
    return (zone[0] === '-' ? -1 : 1) * (h * 60 + m);
  }
  if (zone in ZONES) return ZONES[zone];
  // RFC 5322 §4.3: other alphabetic zones are treated as -0000 (unknown).
  return 0;
}

function build(y: number, mon: number, d: number, h: number, mi: number, s: number, zone: string | undefined): Date | undefined {
  const off = zoneMinutes(zone);
  if (off === undefined || mon < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  if (y < MIN_YEAR || y > MAX_YEAR) return undefined;
  const ms = Date.UTC(y, mon, d, h, mi, Math.min(s, 59));
  // Date.UTC rolls 31 Feb over into March; such a date was never real.
  if (new Date(ms).getUTCDate() !== d) return undefined;
  return new Date(ms - off * 60_000);
}

/** RFC 5322 §4.3: two-digit years below 50 are 20xx, others 19xx; three-digit years add 1900. */
function fullYear(digits: string): number {
  const n = Number(digits);
  if (digits.length === 2) return n < 50 ? 2000 + n : 1900 + n;
  // `0102` is the classic tm_year bug (years since 1900, zero-padded): read it like a 3-digit year.
  if (digits.length === 3 || (digits.length === 4 && digits[0] === '0')) return 1900 + n;
  return n;
}

/** The instant a Date header names, or undefined when it cannot be read. Never throws. */
export function parseMailDate(value: string): Date | undefined {
  // Comments may appear anywhere (CFWS); `(PDT)` after a numeric zone is the usual one.
  const s = value.replace(/\([^()]*\)/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase();
  let m = RFC_RE.exec(s);
  if (m) {
    return build(fullYear(m[3]), monthIndex(m[2]), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), m[7]);
  }
  m = ASCTIME_RE.exec(s);
  if (m) {
    return build(Number(m[7]), monthIndex(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0), m[6]);
  }
  m = ISO_RE.exec(s) ?? SLASHED_RE.exec(s);
  if (m) {
    return build(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), m[7]);
  }
  return undefined;
}

