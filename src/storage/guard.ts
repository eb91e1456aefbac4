// Wraps a store so every backend failure surfaces as a WinnowError with a stable code.

type MapError = (err: unknown) => unknown;

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

async function* guardIterable<T>(it: AsyncIterable<T>, map: MapError): AsyncIterable<T> {
  try {
    yield* it;
  } catch (err) {
    throw map(err);
  }
}

/**
 * Proxies `target`: methods returning promises reject with map(err), methods returning async
 * iterables throw map(err) from iteration, synchronous throws are mapped too, nested store objects
 * (greylist.whitelist) are guarded the same way. Methods run with the real object as `this` so
 * private fields keep working.
 */
export function guardErrors<T extends object>(target: T, map: MapError): T {
  const nested = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj) as unknown;
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          let out: unknown;
          try {
            out = (value as (...a: unknown[]) => unknown).apply(obj, args);
          } catch (err) {
            throw map(err);
          }
          if (out instanceof Promise) return out.catch((err: unknown) => Promise.reject(map(err)));
          if (isAsyncIterable(out)) return guardIterable(out, map);
          return out;
        };
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        if (!nested.has(prop)) nested.set(prop, guardErrors(value, map));
        return nested.get(prop);
      }
      return value;
    },
  });
}
