// History: the recent scans, filtered and searched by the server and shown a page at a time; opening one shows its explanation.

import { useEffect, useRef, useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import { ExplanationView } from '../explanation.tsx';
import { fmtInt, fmtScore, fmtTime } from '../format.ts';
import { ACTIONS, FORCED_ONLY_ACTIONS, type Explanation, type HistoryItem, type HistoryReply } from '../types.ts';
import { ActionBadge, EmptyRow, ErrorBox, Loading, Pager, useApi, useDebounced } from '../ui.tsx';
import type { PageProps } from '../app.tsx';

const PAGE_SIZES = [25, 50, 100, 200];
/** Typing pauses this long before the search goes to the server. */
const SEARCH_DEBOUNCE_MS = 300;

export function HistoryPage(_: PageProps) {
  const [q, setQ] = useState('');
  const [action, setAction] = useState('');
  const [limit, setLimit] = useState(50);
  const [open, setOpen] = useState<HistoryItem>();
  const search = useDebounced(q, SEARCH_DEBOUNCE_MS);
  // A page position belongs to one filter: a new search or action starts again at the first page.
  const filterKey = JSON.stringify([search.trim(), action, limit]);
  const [page, setPage] = useState({ key: filterKey, offset: 0 });
  const offset = page.key === filterKey ? page.offset : 0;
  const setOffset = (o: number) => setPage({ key: filterKey, offset: o });

  const { data, error, loading, reload } = useApi(
    () => get<HistoryReply>(`/api/history${query({ offset, limit, q: search.trim(), action })}`),
    [offset, limit, search, action],
  );

  return (
    <>
      <form class="toolbar" role="search" onSubmit={(e) => (e.preventDefault(), void reload())}>
        <label>
          Search
          <input type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} placeholder="sender, recipient, subject, IP, symbol" />
        </label>
        <label>
          Action
          <select value={action} onChange={(e) => setAction((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {[...ACTIONS, ...FORCED_ONLY_ACTIONS].map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rows
          <select value={String(limit)} onChange={(e) => setLimit(Number((e.target as HTMLSelectElement).value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="secondary">
          Refresh
        </button>
      </form>
      <ErrorBox error={error} title="Cannot read the history" />
      <Loading when={loading && !data} />
      {data && (
        <>
          <div class="table-wrap">
            <table class="history" aria-busy={loading}>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Client IP</th>
                  <th scope="col">Sender</th>
                  <th scope="col">Recipients</th>
                  <th scope="col">Subject</th>
                  <th scope="col" class="num">
                    Score
                  </th>
                  <th scope="col">Action</th>
                  <th scope="col" class="num">
                    Scan time
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.length === 0 && <EmptyRow cols={8} text="No scans match." />}
                {data.items.map((h) => (
                  <tr key={h.id} class={open?.id === h.id ? 'selected' : ''} onClick={() => setOpen(h)}>
                    <td class="nowrap">{fmtTime(h.unixTime)}</td>
                    <td class="mono">{h.clientIp ?? '—'}</td>
                    <td class="ellipsis">{h.sender || '<>'}</td>
                    <td class="ellipsis">{(h.rcpts ?? []).join(', ')}</td>
                    <td class="ellipsis">
                      <button type="button" class="link" onClick={(e) => (e.stopPropagation(), setOpen(h))} aria-label={`Explain: ${h.subject || '(no subject)'}`}>
                        {h.subject || '(no subject)'}
                      </button>
                    </td>
                    <td class="num">
                      {fmtScore(h.score)} / {fmtScore(h.requiredScore)}
                    </td>
                    <td>
                      <ActionBadge action={h.action} />
                    </td>
                    <td class="num">{fmtInt(h.timeMs)} ms</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={limit} total={data.total} onChange={setOffset} />
        </>
      )}
      {open && <ExplainPanel item={open} onClose={() => setOpen(undefined)} />}
    </>
  );
}

function ExplainPanel({ item, onClose }: { item: HistoryItem; onClose: () => void }) {
  const { data, error, loading } = useApi(() => get<Explanation>(`/api/history/${encodeURIComponent(item.id)}`), [item.id]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView({ block: 'start' });
  }, [item.id]);
  return (
    <section class="card panel" aria-labelledby="explain-title">
      <div class="panel-head">
        <h2 id="explain-title" tabIndex={-1} ref={heading}>
          Explanation: {item.subject || '(no subject)'}
        </h2>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorBox error={error} title="Cannot load the explanation" />
      <Loading when={loading && !data} />
      {data && <ExplanationView data={{ ...data, entry: { ...item, ...data.entry } }} />}
    </section>
  );
}
