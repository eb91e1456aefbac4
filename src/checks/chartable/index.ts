// The chartable check: subject and body words that mix Latin with Cyrillic/Greek look-alike letters (homoglyph obfuscation, Unicode TR 39).

import { z } from 'zod';
import { defineCheck, type CheckTask } from '../../core/check.ts';
import { scriptStats, type ScriptStats } from './scripts.ts';

const configSchema = z
  .object({
    /** Share of subject words that are mixed from which R_MIXED_CHARSET_SUBJECT fires. */
    subject_ratio: z.number().gt(0).max(1).default(0.05),
    /** Share of body words that are mixed from which R_MIXED_CHARSET fires. */
    body_ratio: z.number().gt(0).max(1).default(0.1),
  })
  .prefault({});

type Config = z.infer<typeof configSchema>;

const symbols = {
  MIXED_SCRIPT_WORD: { weight: 1.0, description: 'A word mixes Latin with Cyrillic/Greek look-alike letters (options: the words)' },
  R_MIXED_CHARSET_SUBJECT: { weight: 3.0, description: 'Many subject words mix scripts (scaled by share)' },
  R_MIXED_CHARSET: { weight: 3.0, description: 'Many body words mix scripts (scaled by share)' },
};

type Sym = keyof typeof symbols;

export const chartableCheck = defineCheck<Sym, Config>({
  name: 'chartable',
  description: 'Words mixing Latin and Cyrillic/Greek homoglyphs in subject and body',
  phase: 'filter',
  needsMessage: true,
  configSchema,
  symbols,
  run(task, _state, config) {
    const m = task.message;
    if (!m) return;
    const subject = scriptStats(m.subject ?? '');
    const body = scriptStats(m.htmlText ? `${m.text}\n${m.htmlText}` : m.text);
    const examples = [...subject.examples, ...body.examples.filter((w) => !subject.examples.includes(w))];
    if (examples.length > 0) task.hit('MIXED_SCRIPT_WORD', examples);
    ratioHit(task, 'R_MIXED_CHARSET_SUBJECT', subject, config.subject_ratio);
    ratioHit(task, 'R_MIXED_CHARSET', body, config.body_ratio);
  },
});

/** Fires at `threshold` with half weight, reaching full weight at twice the threshold. */
function ratioHit(task: CheckTask<Sym>, symbol: Sym, stats: ScriptStats, threshold: number): void {
  if (stats.mixed === 0 || stats.words === 0) return;
  const ratio = stats.mixed / stats.words;
  if (ratio < threshold) return;
  task.hit(symbol, [`${stats.mixed}/${stats.words}`], Math.min(1, ratio / (2 * threshold)));
}
