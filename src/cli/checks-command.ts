// `winnow checks`: lists checks in execution order per phase, with their symbols, weights, groups and descriptions.

import { Command } from 'commander';
import { PHASES } from '../core/check.ts';
import { loadCliApp } from './load-app.ts';

export function checksCommand(): Command {
  return new Command('checks')
    .description('list checks in execution order with their symbols, weights and groups')
    .option('-c, --config <file>', 'YAML config file')
    .option('-j, --json', 'print JSON')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const app = await loadCliApp(opts.config);
      try {
        const { engine, scanner } = app;
        const phases = PHASES.map((phase) => ({
          phase,
          checks: scanner.scheduler.order(phase).map((c) => ({
            name: c.def.name,
            description: c.def.description,
            timeoutMs: c.timeoutMs,
            dependsOn: c.def.dependsOn ?? [],
            runsFirst: c.negative,
            symbols: engine.symbols.ownedBy(c.def.name).map((s) => ({ name: s.name, weight: s.weight, group: s.group, description: s.description })),
          })),
        }));
        const composites = engine.symbols.ownedBy('composites');
        if (opts.json) {
          process.stdout.write(JSON.stringify({ phases, composites, disabled: app.config.disabledChecks }, null, 2) + '\n');
          return;
        }
        const out: string[] = [];
        let order = 0;
        for (const p of phases) {
          if (p.checks.length === 0) continue;
          out.push(`phase ${p.phase}:`);
          for (const c of p.checks) {
            const deps = c.dependsOn.length ? ` (after ${c.dependsOn.join(', ')})` : '';
            out.push(`  ${++order}. ${c.name}${c.runsFirst ? ' [whitelist: runs first, never skipped]' : ''}${deps} — ${c.description}`);
            for (const s of c.symbols) out.push(`       ${s.name.padEnd(28)} ${s.weight.toFixed(2).padStart(7)}  ${s.group.padEnd(16)} ${s.description}`);
          }
        }
        if (composites.length) {
          out.push('composites:');
          for (const s of composites) out.push(`       ${s.name.padEnd(28)} ${s.weight.toFixed(2).padStart(7)}  ${s.description}`);
        }
        if (app.config.disabledChecks.length) out.push(`disabled: ${app.config.disabledChecks.join(', ')}`);
        process.stdout.write(out.join('\n') + '\n');
      } finally {
        await app.close();
      }
    });
}
