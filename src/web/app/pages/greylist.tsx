// Greylist: the stored triplets with their state and times, searched and paged by the server; whitelist, release or delete one.

import { useState } from 'preact/hooks';
import { errorText, get, post, query } from '../api.ts';
import { fmtInt, fmtTime } from '../format.ts';
import type { GreylistItem, GreylistReply } from '../types.ts';
import { EmptyRow, ErrorBox, Loading, Notice, Pager, useApi, useDebounced } from '../ui.tsx';
import type { PageProps } from '../app.tsx';

const PAGE_SIZE = 50;
const SEARCH_DEBOUNCE_MS = 300;

type Op = 'release' | 'whitelist' | 'delete';
const OP_DONE: Record<Op, string> = { release: 'Released', whitelist: 'Whitelisted', delete: 'Deleted' };

export function stateOf(g: GreylistItem): string {
  if (g.whitelisted) return 'whitelisted';
  if (g.state) return g.state;
  if (g.passCount > 0) return 'passed';
  return 'waiting';
}

export function GreylistPage({ session }: PageProps) {
  const [q, setQ] = useState('');
  const search = useDebounced(q, SEARCH_DEBOUNCE_MS);
  const [page, setPage] = useState({ key: '', offset: 0 });
  const offset = page.key === search ? page.offset : 0;
  const { data, error, loading, reload } = useApi(
    () => get<GreylistReply>(`/api/greylist${query({ offset, limit: PAGE_SIZE, q: search.trim() })}`),
    [offset, search],
  );
  const [done, setDone] = useState<string>();
  const [opError, setOpError] = useState<string>();
  const [busyKey, setBusyKey] = useState<string>();

  const act = async (op: Op, key: string) => {
    setBusyKey(key);
    setDone(undefined);
    setOpError(undefined);
    try {
      await post(`/api/greylist/${op}`, { key });
      setDone(`${OP_DONE[op]}: ${key}`);
      await reload();
    } catch (e) {
      setOpError(`${op} ${key}: ${errorText(e)}`);
    } finally {
      setBusyKey(undefined);
    }
  };

  return (
    <>
      <form class="toolbar" role="search" onSubmit={(e) => (e.preventDefault(), void reload())}>
        <label>
          Search
          <input type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} placeholder="client IP, sender or recipient" />
        </label>
        <button type="submit" class="secondary">
          Refresh
        </button>
      </form>
      {session.readOnly && <p class="notice">Read-only session: log in with the enable password to release or delete entries.</p>}
      <ErrorBox error={error} title="Cannot read the greylist" />
      {opError && (
        <div class="error" role="alert">
          {opError}
        </div>
      )}
      {done && <Notice>{done}</Notice>}
      <Loading when={loading && !data} />
      {data && (
        <>
          <div class="table-wrap">
            <table class="greylist">
              <thead>
                <tr>
                  <th scope="col">Entry</th>
                  <th scope="col">State</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                  <th scope="col" class="num">
                    Passes
                  </th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.length === 0 && <EmptyRow cols={7} text="No greylist entries." />}
                {data.items.map((g) => {
                  const state = stateOf(g);
                  const busy = busyKey === g.key || session.readOnly;
                  return (
                    <tr key={g.key}>
                      <td class="mono small">{g.key}</td>
                      <td>
                        <span class={`badge gl-${state}`}>{state}</span>
                      </td>
                      <td class="nowrap">{fmtTime(g.firstSeen)}</td>
                      <td class="nowrap">{fmtTime(g.lastSeen)}</td>
                      <td class="num">{fmtInt(g.passCount)}</td>
                      <td class="nowrap">{fmtTime(g.expiresAt)}</td>
                      <td class="row-actions">
                        {state === 'waiting' && (
                          <button type="button" class="small-btn" disabled={busy} onClick={() => act('release', g.key)} aria-label={`Release ${g.key}`}>
                            Release
                          </button>
                        )}
                        {!g.whitelisted && (
                          <button type="button" class="small-btn secondary" disabled={busy} onClick={() => act('whitelist', g.key)} aria-label={`Whitelist ${g.key}`}>
                            Whitelist
                          </button>
                        )}
                        <button type="button" class="small-btn danger" disabled={busy} onClick={() => act('delete', g.key)} aria-label={`Delete ${g.key}`}>
                          Delete
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={PAGE_SIZE} total={data.total} onChange={(o) => setPage({ key: search, offset: o })} />
        </>
      )}
    </>
  );
}
