// Scan / Learn: paste or upload a message, see its full result with the explanation, learn it as spam or ham and see the learned count move.

import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { errorText, get, send } from '../api.ts';
import { ExplanationView } from '../explanation.tsx';
import { fmtBytes, fmtInt } from '../format.ts';
import type { ScanReply, StatusReply } from '../types.ts';
import { ErrorBox, Notice } from '../ui.tsx';
import type { PageProps } from '../app.tsx';

/** Larger uploads are refused here before the browser reads them (the server has its own, larger limit). */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
/** A NUL in the first bytes means a binary file, not a mail message. */
const BINARY_SNIFF_BYTES = 65_536;

type Learned = { cls: 'spam' | 'ham'; before?: number; after?: number; note: string };

export async function readUpload(file: File): Promise<string> {
  if (file.size === 0) throw new Error(`${file.name} is empty.`);
  if (file.size > MAX_UPLOAD_BYTES) throw new Error(`${file.name} is ${fmtBytes(file.size)}; the limit here is ${fmtBytes(MAX_UPLOAD_BYTES)}.`);
  const head = new Uint8Array(await file.slice(0, BINARY_SNIFF_BYTES).arrayBuffer());
  if (head.includes(0)) throw new Error(`${file.name} is binary data, not a mail message (.eml).`);
  return file.text();
}

export function ScanPage({ session }: PageProps) {
  const [message, setMessage] = useState('');
  const [result, setResult] = useState<ScanReply>();
  const [learned, setLearned] = useState<Learned>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();

  const need = (): boolean => {
    if (message.trim() !== '') return true;
    setError(new Error('Paste a message or choose a file first.'));
    return false;
  };

  const scan = async () => {
    if (!need()) return;
    setBusy('scan');
    setError(undefined);
    setLearned(undefined);
    try {
      setResult((await send<ScanReply>('POST', '/api/scan?explain=1', { body: message, headers: { 'Content-Type': 'message/rfc822' } })).data);
    } catch (e) {
      setResult(undefined);
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const learn = async (cls: 'spam' | 'ham') => {
    if (!need()) return;
    setBusy(cls);
    setError(undefined);
    const count = async () => (await get<StatusReply>('/api/status').catch(() => undefined))?.learned[cls];
    try {
      const before = await count();
      const r = await send<{ success?: boolean; error?: string } | undefined>('POST', `/learn${cls}`, { body: message, headers: { 'Content-Type': 'message/rfc822' } });
      const after = await count();
      let note = `Learned as ${cls}.`;
      if (r.status === 208) note = r.data?.error ?? `Already learned as ${cls}; nothing changed.`;
      else if (r.status === 204) note = 'Not learned: the message has too few tokens for the classifier.';
      setLearned({ cls, before, after, note });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const onFile = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setError(undefined);
    try {
      setMessage(await readUpload(file));
      setResult(undefined);
    } catch (err) {
      setError(new Error(errorText(err)));
      input.value = '';
    }
  };

  return (
    <>
      <section class="card">
        <label for="message">Message (headers and body, as received)</label>
        <textarea id="message" rows={12} spellcheck={false} value={message} onInput={(e) => setMessage((e.target as HTMLTextAreaElement).value)} />
        <div class="actions-row">
          <label class="file">
            Or upload a file (.eml)
            <input type="file" accept=".eml,.msg,.txt,message/rfc822,text/plain" onChange={onFile} />
          </label>
        </div>
        <div class="actions-row">
          <button type="button" onClick={scan} disabled={busy !== undefined}>
            {busy === 'scan' ? 'Scanning…' : 'Scan'}
          </button>
          <button type="button" class="secondary" onClick={() => learn('spam')} disabled={busy !== undefined || session.readOnly}>
            {busy === 'spam' ? 'Learning…' : 'Learn as spam'}
          </button>
          <button type="button" class="secondary" onClick={() => learn('ham')} disabled={busy !== undefined || session.readOnly}>
            {busy === 'ham' ? 'Learning…' : 'Learn as ham'}
          </button>
          {message && <span class="muted small">{fmtBytes(new Blob([message]).size)}</span>}
        </div>
        {session.readOnly && <p class="muted small">Learning needs the enable password.</p>}
        <ErrorBox error={error} title="Failed" />
        {learned && (
          <Notice>
            <span data-testid="learn-note">{learned.note}</span> Learned {learned.cls}:{' '}
            <span data-testid="learn-before">{fmtInt(learned.before)}</span> → <strong data-testid="learn-after">{fmtInt(learned.after)}</strong>
          </Notice>
        )}
      </section>
      {result && (
        <section class="card" aria-labelledby="result-title">
          <h2 id="result-title">Result</h2>
          <ExplanationView data={result} action={result.action} score={result.score} requiredScore={result.required_score} />
          {result.messages && Object.keys(result.messages).length > 0 && (
            <dl class="facts">
              {Object.entries(result.messages).map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </Fragment>
              ))}
            </dl>
          )}
        </section>
      )}
    </>
  );
}
