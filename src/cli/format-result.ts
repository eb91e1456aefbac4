// Prints a ScanResult the way rspamc does (text) or as rspamd's /checkv2 JSON.

import { toCheckV2Reply } from '../protocols/http/reply-json.ts';
import type { ScanResult } from '../core/types.ts';

const SPAM_ACTIONS = new Set(['add header', 'rewrite subject', 'soft reject', 'reject', 'discard', 'quarantine']);

export function formatScanResult(name: string, r: ScanResult, format: 'text' | 'json'): string {
  if (format === 'json') return JSON.stringify({ file: name, ...toCheckV2Reply(r) });
  const lines = [
    `Results for file: ${name} (${(r.timeMs / 1000).toFixed(3)} seconds)`,
    `Action: ${r.action}`,
    `Spam: ${SPAM_ACTIONS.has(r.action)}`,
    `Score: ${r.score.toFixed(2)} / ${r.requiredScore.toFixed(2)}`,
  ];
  if (r.forced) lines.push(`Forced: ${r.forced.action} by ${r.forced.module}${r.forced.message ? ` (${r.forced.message})` : ''}`);
  for (const s of Object.values(r.symbols).sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`Symbol: ${s.name} (${s.score.toFixed(2)})${s.options.length ? `[${s.options.join(', ')}]` : ''}`);
  }
  if (r.messageId) lines.push(`Message-ID: ${r.messageId}`);
  if (r.subject) lines.push(`Subject: ${r.subject}`);
  for (const [k, v] of Object.entries(r.messages)) lines.push(`Message - ${k}: ${v}`);
  return lines.join('\n');
}
