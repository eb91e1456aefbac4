// The rules check: regex atoms over message parts combined by boolean expressions, loaded from YAML rule files.

import { z } from 'zod';
import { defineCheck, type SymbolDecl } from '../../core/check.ts';
import { DEFAULT_PACK, displayName, loadRulePack, type RulePack } from './compile.ts';
import { matchingRules } from './evaluate.ts';

export const rulesConfigSchema = z.strictObject({
  /** Rule files: paths or globs relative to the config file's directory; `@default` is the shipped pack. */
  files: z.array(z.string().min(1)).default([DEFAULT_PACK]),
  /** Atoms and rules written directly in the config, in the rule-file format. */
  atoms: z.record(z.string(), z.unknown()).default({}),
  rules: z.record(z.string(), z.unknown()).default({}),
});
export type RulesConfig = z.output<typeof rulesConfigSchema>;

export const rulesCheck = defineCheck<string, RulesConfig, RulePack>({
  name: 'rules',
  description: 'Regular-expression rules over headers, body, raw body, MIME headers and URLs, combined by boolean expressions',
  phase: 'filter',
  needsMessage: true,
  configSchema: rulesConfigSchema,
  symbols: (_config, pack) => {
    const out: Record<string, SymbolDecl> = {};
    for (const r of pack.rules) out[r.symbol] = r.decl;
    return out;
  },
  setup({ config, configDir, log }) {
    const pack = loadRulePack(config, configDir);
    for (const g of pack.emptyGlobs) log.warn({ pattern: g }, `rule file pattern ${g} matched no file`);
    log.info({ files: pack.files.map(displayName), atoms: pack.atoms.length, rules: pack.rules.length }, 'rules loaded');
    return pack;
  },
  run(task, pack) {
    for (const symbol of matchingRules(pack, task.message!)) task.hit(symbol);
  },
});
