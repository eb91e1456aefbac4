// How numbers, sizes, times and durations read on the pages (the browser's locale for digits and dates).

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal2 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const fmtInt = (n: number | undefined | null): string => (n === undefined || n === null || !Number.isFinite(n) ? '—' : integer.format(n));
export const fmtScore = (n: number | undefined | null): string => (n === undefined || n === null || !Number.isFinite(n) ? '—' : decimal2.format(n));

export function fmtBytes(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** `3 d 4 h`, `5 h 12 min`, `42 s`: the two largest units are enough for an uptime. */
export function fmtDuration(sec: number | undefined | null): string {
  if (sec === undefined || sec === null || !Number.isFinite(sec)) return '—';
  const s = Math.max(0, Math.floor(sec));
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3_600), 'h'],
    [Math.floor((s % 3_600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([v]) => v > 0);
  if (first < 0) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([v]) => v > 0)
    .map(([v, u]) => `${v} ${u}`)
    .join(' ');
}

/** Unix seconds (or milliseconds, told apart by size) as a local date and time. */
export function fmtTime(t: number | undefined | null): string {
  if (t === undefined || t === null || !Number.isFinite(t) || t <= 0) return '—';
  const ms = t > 1e12 ? t : t * 1000;
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function fmtPercent(p: number | undefined | null): string {
  if (p === undefined || p === null || !Number.isFinite(p)) return '—';
  return `${(p * 100).toFixed(1)} %`;
}

/** A CSS-safe class suffix for an action name (`soft reject` → `soft-reject`). */
export const actionClass = (action: string): string => `act-${action.toLowerCase().replace(/[^a-z]+/g, '-')}`;
