// Status: scans, actions breakdown, learned messages, store health and size, uptime and per-worker figures, refreshed while the tab is visible.

import { get } from '../api.ts';
import { BarList } from '../charts.tsx';
import { fmtBytes, fmtDuration, fmtInt, fmtTime } from '../format.ts';
import { ACTIONS, type StatusReply } from '../types.ts';
import { ErrorBox, Loading, useApi, useVisibleInterval } from '../ui.tsx';
import type { PageProps } from '../app.tsx';

/** How often the figures refresh while the page is on screen. */
export const STATUS_REFRESH_MS = 5_000;

export function StatusPage(_: PageProps) {
  const { data, error, loading, reload } = useApi(() => get<StatusReply>('/api/status'), []);
  useVisibleInterval(() => void reload(), STATUS_REFRESH_MS);

  if (!data) return error ? <ErrorBox error={error} title="Cannot read the status" /> : <Loading when={loading} />;
  const known = new Set<string>(ACTIONS);
  const bars = [
    ...ACTIONS.map((a) => ({ name: a, value: data.actions[a] ?? 0 })),
    ...Object.entries(data.actions)
      // discard/quarantine and any other action only when it happened, to keep the chart about the usual six.
      .filter(([a, n]) => !known.has(a) && n > 0)
      .map(([name, value]) => ({ name, value })),
  ];
  return (
    <>
      <ErrorBox error={error} title="Refresh failed (showing the last figures)" />
      <div class="cards">
        <Stat label="Messages scanned" value={fmtInt(data.scanned)} testid="scanned" />
        <Stat label="Learned spam" value={fmtInt(data.learned.spam)} testid="learned-spam" />
        <Stat label="Learned ham" value={fmtInt(data.learned.ham)} testid="learned-ham" />
        <Stat label="Uptime" value={fmtDuration(data.uptimeSec)} />
        <section class="card stat store">
          <h2>Store</h2>
          <p class={`big ${data.store.healthy ? 'ok' : 'bad'}`} data-testid="store-health">
            {data.store.healthy ? 'healthy' : 'unavailable'}
          </p>
          <p class="muted small detail">
            {data.store.backend}
            {data.store.sizeBytes !== undefined && ` · ${fmtBytes(data.store.sizeBytes)}`}
            {data.store.detail && ` · ${data.store.detail}`}
          </p>
        </section>
      </div>

      <section class="card">
        <h2>Actions</h2>
        <BarList values={bars} label="Messages per action" />
      </section>

      <section class="card">
        <h2>Workers</h2>
        {data.workers.length === 0 ? (
          <p class="muted">No worker figures.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">PID</th>
                  <th scope="col" class="num">
                    Generation
                  </th>
                  <th scope="col" class="num">
                    Memory (RSS)
                  </th>
                  <th scope="col" class="num">
                    Scanned
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.workers.map((w) => (
                  <tr key={w.pid}>
                    <td>{w.pid}</td>
                    <td class="num">{w.generation ?? '—'}</td>
                    <td class="num">{fmtBytes(w.rssBytes)}</td>
                    <td class="num">{fmtInt(w.scanned)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <p class="muted small" aria-live="off">
        winnow {data.version} · updated {fmtTime(Date.now())} · refreshes every {STATUS_REFRESH_MS / 1000} s while this tab is visible.
      </p>
    </>
  );
}

function Stat({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <section class="card stat">
      <h2>{label}</h2>
      <p class="big" data-testid={testid}>
        {value}
      </p>
    </section>
  );
}
