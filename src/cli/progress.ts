// A one-line progress bar for long CLI runs (count, percent, rate, ETA), redrawn on a terminal only; formatting is pure so it can be tested.

/** Redraws at most this often: a terminal cannot show more, and each redraw costs a write. */
export const PROGRESS_REDRAW_MS = 100;
/** Bar cells between the brackets. */
const BAR_CELLS = 24;
/** Widest line drawn; longer labels are cut from the left so the end of a path stays visible. */
const MAX_LINE_CHARS = 100;

export interface ProgressState {
  done: number;
  /** Expected total; 0 when unknown (no bar, no ETA). */
  total: number;
  elapsedMs: number;
  label: string;
}

/** `h:mm:ss` or `m:ss`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Messages per second, rounded for display. */
export function formatRate(done: number, elapsedMs: number): string {
  if (elapsedMs <= 0) return '0';
  const r = (done * 1000) / elapsedMs;
  return r >= 100 ? String(Math.round(r)) : r.toFixed(1);
}

export function formatProgress(p: ProgressState): string {
  const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  let head: string;
  if (p.total > 0) {
    const frac = Math.min(1, p.done / p.total);
    const filled = Math.round(frac * BAR_CELLS);
    const eta = rate > 0 && p.done < p.total ? ` ETA ${formatDuration(((p.total - p.done) / rate) * 1000)}` : '';
    head = `[${'#'.repeat(filled)}${'.'.repeat(BAR_CELLS - filled)}] ${p.done}/${p.total} ${Math.floor(frac * 100)}% ${formatRate(p.done, p.elapsedMs)} msg/s${eta}`;
  } else {
    head = `${p.done} ${formatRate(p.done, p.elapsedMs)} msg/s`;
  }
  const room = MAX_LINE_CHARS - head.length - 1;
  const label = p.label.length > room ? `…${p.label.slice(p.label.length - room + 1)}` : p.label;
  return room > 1 ? `${head} ${label}` : head;
}

/** Draws on `stream` only when it is a terminal; elsewhere (cron, pipes, logs) it stays silent. */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #start = Date.now();
  #last = 0;
  #drawn = false;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#enabled = stream.isTTY === true;
  }

  update(done: number, total: number, label: string, force = false): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#last < PROGRESS_REDRAW_MS) return;
    this.#last = now;
    this.#stream.write(`\r\x1b[K${formatProgress({ done, total, elapsedMs: now - this.#start, label })}`);
    this.#drawn = true;
  }

  /** Erases the bar so the next line starts clean. */
  clear(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }
}
