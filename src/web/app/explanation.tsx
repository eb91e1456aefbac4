// Why a message got its score: every symbol with score, group, description and options, the Bayes evidence, and what would have changed the action.

import type { Explanation } from './types.ts';
import { fmtPercent, fmtScore, fmtTime } from './format.ts';
import { ActionBadge } from './ui.tsx';

/** Tokens shown by default; the API may send more. */
const MAX_TOKENS_SHOWN = 20;

export function ExplanationView({ data, action, score, requiredScore }: { data: Explanation; action?: string; score?: number; requiredScore?: number }) {
  const symbols = [...data.symbols].sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.name.localeCompare(b.name));
  const e = data.entry ?? {};
  const act = action ?? e.action;
  const sc = score ?? e.score;
  const req = requiredScore ?? e.requiredScore;
  const tokens = data.bayes?.tokens.slice(0, MAX_TOKENS_SHOWN) ?? [];
  const maxWeight = Math.max(1e-9, ...tokens.map((t) => Math.abs(t.weight)));
  return (
    <div class="explanation">
      <p class="verdict">
        {act && <ActionBadge action={act} />} score <strong class="score">{fmtScore(sc)}</strong> / {fmtScore(req)}
        {e.unixTime !== undefined && <span class="muted"> · {fmtTime(e.unixTime)}</span>}
      </p>
      {(e.sender !== undefined || e.subject !== undefined) && (
        <dl class="facts">
          {e.clientIp && (
            <>
              <dt>Client IP</dt>
              <dd>{e.clientIp}</dd>
            </>
          )}
          <dt>Sender</dt>
          <dd>{e.sender || '<>'}</dd>
          {e.rcpts && (
            <>
              <dt>Recipients</dt>
              <dd>{e.rcpts.join(', ') || '—'}</dd>
            </>
          )}
          <dt>Subject</dt>
          <dd>{e.subject ?? '—'}</dd>
        </dl>
      )}

      <h3>Symbols ({symbols.length})</h3>
      {symbols.length === 0 ? (
        <p class="muted">No symbol matched.</p>
      ) : (
        <div class="table-wrap">
          <table class="symbols-table">
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col" class="num">
                  Score
                </th>
                <th scope="col">Group</th>
                <th scope="col">Description</th>
                <th scope="col">Options</th>
              </tr>
            </thead>
            <tbody>
              {symbols.map((s) => (
                <tr key={s.name} class={s.score > 0 ? 'pos' : s.score < 0 ? 'neg' : ''}>
                  <td class="mono">{s.name}</td>
                  <td class="num">{fmtScore(s.score)}</td>
                  <td class="nowrap">{s.group ?? '—'}</td>
                  <td>{s.description ?? ''}</td>
                  <td class="mono small">{(s.options ?? []).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>Bayes</h3>
      {data.bayes ? (
        <>
          <p>
            Spam probability <strong class="bayes-prob">{fmtPercent(data.bayes.probability)}</strong>
          </p>
          {tokens.length > 0 && (
            <table class="tokens" aria-label="Tokens that weighed most">
              <thead>
                <tr>
                  <th scope="col">Token</th>
                  <th scope="col">Pull</th>
                  <th scope="col" class="num">
                    Weight
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t, i) => (
                  <tr key={i}>
                    <td class="mono">{t.token}</td>
                    <td class="bar-cell">
                      <span class={`bar ${t.weight >= 0 ? 'spam' : 'ham'}`} style={{ width: `${(Math.abs(t.weight) / maxWeight) * 100}%` }} />
                    </td>
                    <td class="num">{t.weight.toFixed(3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : (
        <p class="muted">The classifier gave no opinion on this message (not enough training, too few tokens, or disabled).</p>
      )}

      <h3>What would have changed the action</h3>
      {data.whatIf && data.whatIf.length > 0 ? (
        <ul class="whatif">
          {data.whatIf.map((w, i) => (
            <li key={i}>
              <ActionBadge action={w.action} /> {w.text}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">Nothing: no other action is configured.</p>
      )}
    </div>
  );
}
