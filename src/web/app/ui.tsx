// Small pieces every page uses: data-loading hooks, error and field-error boxes, action badges, the pager.

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorText } from './api.ts';
import { actionClass, fmtInt } from './format.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Runs `load` when `deps` change (and on reload()); keeps the last data while a new load runs, drops answers that arrive out of order. */
export function useApi<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const d = await run();
      if (mine !== seq.current) return;
      setData(d);
      setError(undefined);
    } catch (e) {
      if (mine === seq.current) setError(e);
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}

/** Calls `fn` every `ms` while the tab is visible, and once as soon as it becomes visible again. */
export function useVisibleInterval(fn: () => void, ms: number): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined) timer = setInterval(() => saved.current(), ms);
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') {
        saved.current();
        start();
      } else stop();
    };
    if (document.visibilityState === 'visible') start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [ms]);
}

/** `value`, once it has stopped changing for `ms` (search boxes). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div class="error" role="alert">
      {title && <strong>{title}: </strong>}
      {errorText(error)}
      {code && <span class="code"> ({code})</span>}
    </div>
  );
}

/** The message shown next to an input; the input points at it with aria-describedby. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return (
    <span id={id} class="field-error" role={message ? 'alert' : undefined}>
      {message ?? ''}
    </span>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

export function ActionBadge({ action }: { action: string }) {
  return <span class={`badge ${actionClass(action)}`}>{action}</span>;
}

/** The one row of a table with nothing to show. */
export function EmptyRow({ cols, text }: { cols: number; text: string }) {
  return (
    <tr>
      <td colSpan={cols} class="muted">
        {text}
      </td>
    </tr>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? (
    <p class="loading" aria-live="polite">
      Loading…
    </p>
  ) : null;
}

export function Pager({ offset, limit, total, onChange }: { offset: number; limit: number; total: number; onChange: (offset: number) => void }) {
  const last = Math.max(0, Math.ceil(total / limit) - 1) * limit;
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(total, offset + limit);
  return (
    <nav class="pager" aria-label="Pagination">
      <button type="button" class="secondary" onClick={() => onChange(0)} disabled={offset <= 0}>
        « First
      </button>
      <button type="button" class="secondary" onClick={() => onChange(Math.max(0, offset - limit))} disabled={offset <= 0}>
        ‹ Previous
      </button>
      <span class="pager-pos" aria-live="polite">
        {fmtInt(from)}–{fmtInt(to)} of {fmtInt(total)}
      </span>
      <button type="button" class="secondary" onClick={() => onChange(offset + limit)} disabled={offset + limit >= total}>
        Next ›
      </button>
      <button type="button" class="secondary" onClick={() => onChange(last)} disabled={offset >= last}>
        Last »
      </button>
    </nav>
  );
}
