// Prints the accuracy benchmark's result rows as an aligned text table.

export interface Row {
  name: string;
  rocaPct: number;
  fp: number;
  fn: number;
  unsureSpam: number;
  unsureHam: number;
  nSpam: number;
  /** Share of spam caught at the 0.1% ham operating point. */
  caught: number;
  /** Seconds to learn the train half, parsing included. */
  learnS?: number;
  /** Test messages classified per second on one core, parsing included. */
  rate?: number;
  /** The same without parsing (what the classifier adds when the daemon has parsed already). */
  rateNoParse?: number;
  tokensPerMsg?: number;
}

const HEAD = ['system', '(1-ROCA)%', 'FP', 'FN', 'unsure h/s', 'FN+unsure', 'caught@0.1%', 'learn s', 'msgs/s', 'no-parse/s', 'tok/msg'];

export function printTable(rows: readonly Row[]): void {
  const cells = rows.map((r) => [
    r.name,
    r.rocaPct.toFixed(4),
    String(r.fp),
    String(r.fn),
    `${r.unsureHam}/${r.unsureSpam}`,
    `${r.fn + r.unsureSpam} (${((100 * (r.fn + r.unsureSpam)) / r.nSpam).toFixed(1)}%)`,
    `${(r.caught * 100).toFixed(1)}%`,
    r.learnS === undefined ? '' : r.learnS.toFixed(2),
    r.rate === undefined ? '' : r.rate.toFixed(0),
    r.rateNoParse === undefined ? '' : r.rateNoParse.toFixed(0),
    r.tokensPerMsg === undefined ? '' : r.tokensPerMsg.toFixed(0),
  ]);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  console.log(line(HEAD));
  for (const c of cells) console.log(line(c));
}
