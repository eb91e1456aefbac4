// Maps the validated file config (snake_case, as the admin writes it) onto the scan engine's config.

import type { LoadedConfig } from './load.ts';
import type { EngineConfig } from '../core/engine.ts';
import type { SettingsProfile } from '../core/settings.ts';
import type { Thresholds } from '../core/types.ts';
import type { FileConfig } from './schema.ts';

type FileActions = FileConfig['actions'];

export function thresholdsFrom(a: Partial<FileActions>): Partial<Thresholds> {
  const out: Partial<Thresholds> = {};
  if (a.reject !== undefined) out.reject = a.reject;
  if (a.soft_reject !== undefined) out['soft reject'] = a.soft_reject;
  if (a.rewrite_subject !== undefined) out['rewrite subject'] = a.rewrite_subject;
  if (a.add_header !== undefined) out['add header'] = a.add_header;
  if (a.greylist !== undefined) out.greylist = a.greylist;
  return out;
}

export function toEngineConfig(c: LoadedConfig): EngineConfig {
  const f = c.file;
  const settings: Record<string, SettingsProfile> = {};
  for (const [id, p] of Object.entries(f.settings)) {
    settings[id] = {
      checksEnabled: p.checks_enabled,
      checksDisabled: p.checks_disabled,
      symbolsDisabled: p.symbols_disabled,
      groupsDisabled: p.groups_disabled,
      symbols: p.symbols,
      actions: p.actions ? thresholdsFrom(p.actions) : undefined,
    };
  }
  return {
    actions: thresholdsFrom(f.actions) as Thresholds,
    groups: Object.fromEntries(Object.entries(f.groups).map(([g, l]) => [g, { maxScore: l.max_score, minScore: l.min_score }])),
    symbols: f.symbols,
    composites: f.composites,
    settings,
    limits: {
      maxMessageBytes: f.limits.max_message_size,
      maxMimeDepth: f.limits.max_mime_depth,
      maxParts: f.limits.max_parts,
      maxHeaderBytes: f.limits.max_header_size,
    },
    checks: c.checks,
    subjectTemplate: f.subject_template,
    dataDir: c.dataDir,
    configDir: c.dir,
  };
}
