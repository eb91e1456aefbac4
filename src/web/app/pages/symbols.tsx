// Symbols: every symbol with group, weight, description, hits and average cost; weights edited inline and validated before and after saving.

import { useMemo, useState } from 'preact/hooks';
import { ApiError, errorText, get, put } from '../api.ts';
import { fmtInt } from '../format.ts';
import { appliedText, type EditReply, type SymbolGroup } from '../types.ts';
import { ErrorBox, FieldError, Loading, useApi } from '../ui.tsx';
import type { PageProps } from '../app.tsx';

interface Row {
  symbol: string;
  group: string;
  weight: number;
  description: string;
  frequency: number | undefined;
  hits: number | undefined;
  time: number | undefined;
}

interface Edit {
  text: string;
  error?: string;
  saving?: boolean;
  saved?: boolean;
  /** After a save: whether it is in force yet. */
  note?: string;
}

/** A weight as typed: a plain decimal number (no exponent, no spaces, no NaN). */
const WEIGHT_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
/** The widest weight accepted here; the server applies its own rule too. */
export const MAX_ABS_WEIGHT = 1_000;

export function validateWeight(text: string): string | undefined {
  const t = text.trim();
  if (t === '') return 'Enter a number.';
  if (!WEIGHT_RE.test(t)) return 'Not a number: use digits with an optional sign and decimal point.';
  if (Math.abs(Number(t)) > MAX_ABS_WEIGHT) return `Keep the weight between −${MAX_ABS_WEIGHT} and ${MAX_ABS_WEIGHT}.`;
  return undefined;
}

async function loadRows(): Promise<Row[]> {
  const [groups, counters] = await Promise.all([
    get<SymbolGroup[]>('/symbols'),
    get<{ symbol: string; hits?: number }[]>('/counters').catch(() => [] as { symbol: string; hits?: number }[]),
  ]);
  const hits = new Map(counters.map((c) => [c.symbol, c.hits]));
  return groups.flatMap((g) =>
    g.rules.map((r) => ({
      symbol: r.symbol,
      group: g.group,
      weight: r.weight,
      description: r.description ?? '',
      frequency: r.frequency,
      hits: r.hits ?? hits.get(r.symbol),
      time: r.time,
    })),
  );
}

const SORTS: Record<string, (a: Row, b: Row) => number> = {
  name: (a, b) => a.symbol.localeCompare(b.symbol),
  group: (a, b) => a.group.localeCompare(b.group) || a.symbol.localeCompare(b.symbol),
  weight: (a, b) => Math.abs(b.weight) - Math.abs(a.weight),
  hits: (a, b) => (b.hits ?? 0) - (a.hits ?? 0),
  cost: (a, b) => (b.time ?? 0) - (a.time ?? 0),
};

export function SymbolsPage({ session }: PageProps) {
  const { data, error, loading } = useApi(loadRows, []);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState('group');
  const [edits, setEdits] = useState<Record<string, Edit>>({});
  const [weights, setWeights] = useState<Record<string, number>>({});

  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return (data ?? []).filter((r) => !f || `${r.symbol} ${r.group} ${r.description}`.toLowerCase().includes(f)).sort(SORTS[sort]);
  }, [data, filter, sort]);

  const setEdit = (name: string, e: Edit | undefined) =>
    setEdits((all) => {
      const next = { ...all };
      if (e) next[name] = e;
      else delete next[name];
      return next;
    });

  const save = async (row: Row) => {
    const edit = edits[row.symbol];
    if (!edit) return;
    const problem = validateWeight(edit.text);
    if (problem) {
      setEdit(row.symbol, { ...edit, error: problem });
      return;
    }
    const weight = Number(edit.text.trim());
    setEdit(row.symbol, { ...edit, error: undefined, saving: true });
    try {
      const r = await put<EditReply>(`/api/symbols/${encodeURIComponent(row.symbol)}`, { weight });
      setWeights((w) => ({ ...w, [row.symbol]: weight }));
      setEdit(row.symbol, { text: String(weight), saved: true, note: appliedText(r, 'saved') });
    } catch (e) {
      setEdit(row.symbol, { ...edit, saving: false, error: e instanceof ApiError ? e.message : errorText(e) });
    }
  };

  return (
    <>
      <div class="toolbar">
        <label>
          Filter
          <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="name, group or description" />
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort((e.target as HTMLSelectElement).value)}>
            {Object.keys(SORTS).map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {data && (
          <span class="muted small" aria-live="polite">
            {fmtInt(rows.length)} of {fmtInt(data.length)} symbols
          </span>
        )}
      </div>
      {session.readOnly && <p class="notice">Read-only session: log in with the enable password to change weights.</p>}
      <ErrorBox error={error} title="Cannot read the symbols" />
      <Loading when={loading && !data} />
      {data && (
        <div class="table-wrap">
          <table class="symbols">
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col">Group</th>
                <th scope="col">Weight</th>
                <th scope="col">Description</th>
                <th scope="col" class="num">
                  Hits
                </th>
                <th scope="col" class="num">
                  Avg cost
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const edit = edits[r.symbol];
                const current = weights[r.symbol] ?? r.weight;
                const id = `w-${r.symbol}`;
                const dirty = edit !== undefined && !edit.saved && edit.text.trim() !== String(current);
                return (
                  <tr key={r.symbol}>
                    <td class="mono">{r.symbol}</td>
                    <td>{r.group}</td>
                    <td class="weight-cell">
                      <form
                        class="inline"
                        onSubmit={(e) => {
                          e.preventDefault();
                          void save(r);
                        }}
                      >
                        <input
                          id={id}
                          class="weight"
                          inputMode="decimal"
                          aria-label={`Weight of ${r.symbol}`}
                          aria-invalid={edit?.error ? 'true' : undefined}
                          aria-describedby={`${id}-err`}
                          value={edit?.text ?? String(current)}
                          disabled={session.readOnly}
                          onInput={(e) => setEdit(r.symbol, { text: (e.target as HTMLInputElement).value })}
                        />
                        {dirty && (
                          <button type="submit" class="small-btn" disabled={edit?.saving}>
                            Save
                          </button>
                        )}
                        {edit?.saved && (
                          <span class="ok small" role="status">
                            {' '}
                            {edit.note}
                          </span>
                        )}
                        <FieldError id={`${id}-err`} message={edit?.error} />
                      </form>
                    </td>
                    <td>{r.description}</td>
                    <td class="num" title={r.frequency !== undefined ? `${r.frequency.toPrecision(3)} per second` : undefined}>
                      {fmtInt(r.hits)}
                    </td>
                    <td class="num">{r.time !== undefined ? `${r.time.toFixed(2)} ms` : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
