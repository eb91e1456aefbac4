// Charts: the actions breakdown as labelled bars (plain HTML, readable by screen readers) and time series with uPlot.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtInt } from './format.ts';

/** One colour per action, shared by the bars and the lines so a reader learns it once. */
export const ACTION_COLORS: Record<string, string> = {
  reject: '#c62828',
  'soft reject': '#ef6c00',
  'rewrite subject': '#8e24aa',
  'add header': '#f9a825',
  greylist: '#546e7a',
  'no action': '#2e7d32',
  discard: '#4e342e',
  quarantine: '#00838f',
};
const OTHER_COLOR = '#1565c0';
/** Below this width the chart stops shrinking and the page scrolls sideways instead. */
const MIN_CHART_WIDTH_PX = 280;
const CHART_HEIGHT_PX = 300;
/** Counts are whole messages: the y axis never ticks at fractions. */
const COUNT_TICK_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

export const colorOf = (action: string): string => ACTION_COLORS[action] ?? OTHER_COLOR;

/** Horizontal bars, one per action, with counts and shares written out. */
export function BarList({ values, label }: { values: { name: string; value: number }[]; label: string }) {
  const total = values.reduce((s, v) => s + v.value, 0);
  const max = Math.max(1, ...values.map((v) => v.value));
  return (
    <table class="bars" aria-label={label}>
      <tbody>
        {values.map((v) => (
          <tr key={v.name}>
            <th scope="row">{v.name}</th>
            <td class="bar-cell">
              <span class="bar" style={{ width: `${(v.value / max) * 100}%`, background: colorOf(v.name) }} />
            </td>
            <td class="num">{fmtInt(v.value)}</td>
            <td class="num share">{total > 0 ? `${((v.value / total) * 100).toFixed(1)} %` : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface Line {
  label: string;
  values: (number | null)[];
}

/** A uPlot line chart of `lines` over `xs` (unix seconds), resized with its container. */
export function TimeChart({ xs, lines, yLabel }: { xs: number[]; lines: Line[]; yLabel: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(MIN_CHART_WIDTH_PX, el.clientWidth);
    const opts: uPlot.Options = {
      width: width(),
      height: CHART_HEIGHT_PX,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{}, { label: yLabel, size: 60, incrs: COUNT_TICK_STEPS }],
      series: [
        { label: 'time' },
        ...lines.map((l) => ({ label: l.label, stroke: colorOf(l.label), width: 2, points: { show: false } })),
      ],
    };
    const data = [xs, ...lines.map((l) => l.values)] as uPlot.AlignedData;
    const chart = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => chart.setSize({ width: width(), height: CHART_HEIGHT_PX }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      chart.destroy();
    };
  }, [xs, lines, yLabel]);
  return <div class="chart" ref={box} />;
}
