// Keeps a few next() calls of an async iterator in flight, so a mailbox's file reads overlap the CPU work done on the messages already read.

/** Messages requested ahead of the consumer: enough to hide a file read's thread-pool round trips, small enough to bound memory. */
export const READ_AHEAD_MESSAGES = 4;

/**
 * Yields what `source` yields, in order, while up to `depth` further items are being produced. An error is
 * thrown when the consumer reaches it; stopping early returns the source.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth = READ_AHEAD_MESSAGES): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  let ended = false;
  const refill = () => {
    while (!ended && queue.length < depth) {
      const p = it.next();
      // A rejection is seen when the consumer reaches it; until then it must not count as unhandled.
      p.catch(() => undefined);
      queue.push(p);
    }
  };
  let finished = false;
  try {
    for (;;) {
      refill();
      const step = await queue.shift()!;
      if (step.done) {
        ended = true;
        finished = true;
        return;
      }
      // Keep `depth` items in flight while the consumer works on this one.
      refill();
      yield step.value;
    }
  } catch (err) {
    finished = true;
    throw err;
  } finally {
    if (!finished) await it.return?.();
  }
}
