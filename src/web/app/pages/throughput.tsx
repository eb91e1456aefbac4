// Throughput: messages per action over the last hour, day, week or month, from the store's rolled-up time series.

import { useMemo, useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import { TimeChart, type Line } from '../charts.tsx';
import { fmtDuration, fmtInt } from '../format.ts';
import { ACTIONS, type SeriesReply } from '../types.ts';
import { ErrorBox, Loading, useApi, useVisibleInterval } from '../ui.tsx';
import type { PageProps } from '../app.tsx';

const RANGES = [
  { id: 'hour', label: 'Hour' },
  { id: 'day', label: 'Day' },
  { id: 'week', label: 'Week' },
  { id: 'month', label: 'Month' },
  { id: 'year', label: 'Year' },
] as const;
/** The newest bucket fills up as mail arrives; refresh at about the finest step's pace. */
const SERIES_REFRESH_MS = 60_000;

export function ThroughputPage(_: PageProps) {
  const [range, setRange] = useState<string>('day');
  const { data, error, loading, reload } = useApi(() => get<SeriesReply>(`/api/series${query({ range })}`), [range]);
  useVisibleInterval(() => void reload(), SERIES_REFRESH_MS);

  const chart = useMemo(() => {
    if (!data) return undefined;
    const xs = data.points.map((p) => p.t);
    const names = new Set<string>(ACTIONS);
    for (const p of data.points) for (const a of Object.keys(p.actions)) names.add(a);
    const usual = new Set<string>(ACTIONS);
    const lines: Line[] = [...names]
      .map((label) => ({ label, values: data.points.map((p) => p.actions[label] ?? 0) }))
      // Forced-only actions (discard, quarantine) get a line only when they happened in the range.
      .filter((l) => usual.has(l.label) || l.values.some((v) => v > 0));
    const totals = lines.map((l) => ({ label: l.label, total: l.values.reduce<number>((s, v) => s + (v ?? 0), 0) }));
    return { xs, lines, totals };
  }, [data]);

  return (
    <>
      <div class="toolbar" role="group" aria-label="Time range">
        {RANGES.map((r) => (
          <button key={r.id} type="button" class="toggle" aria-pressed={range === r.id} onClick={() => setRange(r.id)}>
            {r.label}
          </button>
        ))}
      </div>
      <ErrorBox error={error} title="Cannot read the time series" />
      <Loading when={loading && !data} />
      {chart && data && (
        <section class="card">
          <figure>
            <figcaption>
              Messages per {fmtDuration(data.step)} by action, last {data.range}
            </figcaption>
            {chart.xs.length === 0 ? <p class="muted">No data in this range yet.</p> : <TimeChart xs={chart.xs} lines={chart.lines} yLabel="messages" />}
          </figure>
          <table class="totals">
            <caption>Totals over the range</caption>
            <tbody>
              {chart.totals.map((t) => (
                <tr key={t.label}>
                  <th scope="row">{t.label}</th>
                  <td class="num">{fmtInt(t.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
