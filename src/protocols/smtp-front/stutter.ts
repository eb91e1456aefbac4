// Stuttered output (spamd -s): replies written one character per delay, for thousands of connections from one timer.

/** Where stuttered text goes: a net.Socket or tls.TLSSocket. */
export interface StutterSink {
  write(chunk: string, encoding: 'latin1'): boolean;
  readonly destroyed: boolean;
  /** Bytes Node holds that the kernel did not take yet: grows when the client does not read. */
  readonly writableLength: number;
}

/** A client that leaves this much of our output unread is not reading at all; its connection is dropped. */
export const MAX_WRITE_BACKLOG_BYTES = 16 * 1024;
/** Characters falling due within this window share one timer wake-up (bounded by a tenth of the delay). */
const MAX_BATCH_SLACK_MS = 20;

type Done = (ok: boolean) => void;

interface Entry {
  sink: StutterSink;
  text: string;
  pos: number;
  /** Monotonic time the next character is due. */
  due: number;
  /** Monotonic time after which the rest goes out at once (greylisted clients stutter only at first). */
  until: number;
  done: Done | undefined;
}

/** spamd inserts a CR before every bare LF it sends. */
export function crlf(text: string): string {
  return text.replace(/(?<!\r)\n/g, '\r\n');
}

/** Writes what is left of `e` at once; false when the client stopped reading or went away. */
function flush(e: Entry): boolean {
  if (e.sink.destroyed || e.sink.writableLength > MAX_WRITE_BACKLOG_BYTES) return false;
  if (e.pos < e.text.length) e.sink.write(e.pos === 0 ? e.text : e.text.slice(e.pos), 'latin1');
  e.pos = e.text.length;
  return true;
}

/**
 * Every stuttering connection waits in one FIFO ordered by due time: all entries share the same delay and
 * are (re)queued at now + delay, so appending keeps the order and one timer for the head serves them all.
 * That keeps per-connection cost to one small object, with no timer or promise per character.
 */
export class Stutterer {
  readonly delayMs: number;
  readonly #now: () => number;
  readonly #slackMs: number;
  #queue: (Entry | undefined)[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Infinity;

  constructor(delayMs: number, now: () => number = () => performance.now()) {
    this.delayMs = delayMs;
    this.#now = now;
    this.#slackMs = Math.min(MAX_BATCH_SLACK_MS, delayMs / 10);
  }

  /** Connections with characters still to send. */
  get size(): number {
    let n = 0;
    for (let i = this.#head; i < this.#queue.length; i++) if (this.#queue[i]?.done) n++;
    return n;
  }

  /**
   * Sends `text` (CR added before bare LFs) one character per delay while the monotonic clock is before
   * `untilMs`, the rest at once; `done(true)` after the last character, `done(false)` if the client stopped reading.
   * Returns a cancel function (for a connection that closes meanwhile).
   */
  send(sink: StutterSink, text: string, untilMs: number, done: Done): () => void {
    const now = this.#now();
    const e: Entry = { sink, text: crlf(text), pos: 0, due: now + this.delayMs, until: untilMs, done };
    if (this.delayMs <= 0 || now >= untilMs || e.text.length === 0) {
      const ok = flush(e);
      e.done = undefined;
      queueMicrotask(() => done(ok));
      return () => undefined;
    }
    // The first character goes out at once (a banner must not wait a whole delay), later ones one per delay.
    if (!this.#writeOne(e)) {
      e.done = undefined;
      queueMicrotask(() => done(false));
      return () => undefined;
    }
    this.#push(e);
    return () => {
      e.done = undefined;
    };
  }

  /** Stops the timer; pending sends are dropped without their callbacks (shutdown). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#head = 0;
  }

  #push(e: Entry): void {
    this.#queue.push(e);
    if (this.#queue.length - this.#head === 1 || e.due < this.#timerDue) this.#arm();
  }

  /** Writes the next character; false when the client is gone or not reading. */
  #writeOne(e: Entry): boolean {
    if (e.sink.destroyed || e.sink.writableLength > MAX_WRITE_BACKLOG_BYTES) return false;
    e.sink.write(e.text[e.pos++], 'latin1');
    return true;
  }

  #arm(): void {
    const first = this.#peek();
    clearTimeout(this.#timer);
    if (!first) {
      this.#timer = undefined;
      this.#timerDue = Infinity;
      return;
    }
    this.#timerDue = first.due;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, first.due - this.#now()));
  }

  /** The first live entry, skipping cancelled ones. */
  #peek(): Entry | undefined {
    while (this.#head < this.#queue.length) {
      const e = this.#queue[this.#head];
      if (e?.done) return e;
      this.#queue[this.#head++] = undefined;
    }
    this.#compact();
    return undefined;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    } else if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  #tick(): void {
    this.#timer = undefined;
    const now = this.#now();
    const horizon = now + this.#slackMs;
    // Only entries queued before this tick: the ones re-queued below fall due a whole delay later.
    const end = this.#queue.length;
    while (this.#head < end) {
      const e = this.#queue[this.#head];
      if (e?.done && e.due > horizon) break;
      this.#queue[this.#head++] = undefined;
      if (!e?.done) continue;
      const done = e.done;
      if (now >= e.until) {
        const ok = flush(e);
        e.done = undefined;
        done(ok);
      } else if (!this.#writeOne(e)) {
        e.done = undefined;
        done(false);
      } else if (e.pos >= e.text.length) {
        e.done = undefined;
        done(true);
      } else {
        e.due = now + this.delayMs;
        this.#queue.push(e);
      }
    }
    this.#compact();
    this.#arm();
  }
}
