// The action thresholds form: one field per action (empty = off), checked here for numbers and by the server for order, errors next to the field.

import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, put } from '../api.ts';
import { appliedText, THRESHOLD_FIELDS, type EditReply, type ThresholdField } from '../types.ts';
import { ErrorBox, FieldError, Loading, Notice, useApi } from '../ui.tsx';

type Texts = Record<ThresholdField, string>;
type Errors = Partial<Record<ThresholdField, string>>;

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** `reject` from `reject`, `actions.reject`, `soft reject`…: the server may name the field any of these ways. */
function fieldOf(name: string | undefined): ThresholdField | undefined {
  if (!name) return undefined;
  const n = name.split('.').pop()!.replace(/ /g, '_');
  return THRESHOLD_FIELDS.find((f) => f.field === n)?.field;
}

export function parseThresholds(texts: Texts): { values?: Record<ThresholdField, number | null>; errors: Errors } {
  const errors: Errors = {};
  const values = {} as Record<ThresholdField, number | null>;
  for (const { field } of THRESHOLD_FIELDS) {
    const t = texts[field].trim();
    if (t === '') values[field] = null;
    else if (!NUMBER_RE.test(t)) errors[field] = 'Not a number (leave empty to turn this action off).';
    else values[field] = Number(t);
  }
  return Object.keys(errors).length ? { errors } : { values, errors };
}

export function ActionsForm({ readOnly }: { readOnly: boolean }) {
  const { data, error, loading, reload } = useApi(() => get<Partial<Record<ThresholdField, number | null>>>('/api/actions'), []);
  const [texts, setTexts] = useState<Texts>();
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!data) return;
    const t = {} as Texts;
    for (const { field } of THRESHOLD_FIELDS) {
      const v = data[field];
      t[field] = v === null || v === undefined ? '' : String(v);
    }
    setTexts(t);
  }, [data]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!texts) return;
    setSaved(undefined);
    setFormError(undefined);
    const parsed = parseThresholds(texts);
    setErrors(parsed.errors);
    if (!parsed.values) return;
    setBusy(true);
    try {
      const r = await put<EditReply>('/api/actions', parsed.values);
      setSaved(appliedText(r, 'Saved. New scans use these thresholds.'));
      await reload();
    } catch (err) {
      const byField: Errors = {};
      if (err instanceof ApiError) {
        for (const p of err.fields) {
          const f = fieldOf(p.field);
          if (f) byField[f] = p.message;
        }
      }
      if (Object.keys(byField).length > 0) setErrors(byField);
      else setFormError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="thresholds-title">
      <h2 id="thresholds-title">Action thresholds</h2>
      <ErrorBox error={error} title="Cannot read the thresholds" />
      <Loading when={loading && !texts} />
      {texts && (
        <form onSubmit={submit} class="form-grid" noValidate>
          <p class="muted small span-all">A message gets the harshest action whose threshold its score reaches. Thresholds must rise with harshness; leave a field empty to turn that action off.</p>
          {THRESHOLD_FIELDS.map(({ field, action }) => {
            const id = `th-${field}`;
            return (
              <div class="field" key={field}>
                <label for={id}>{action}</label>
                <input
                  id={id}
                  name={field}
                  inputMode="decimal"
                  value={texts[field]}
                  disabled={readOnly}
                  aria-invalid={errors[field] ? 'true' : undefined}
                  aria-describedby={`${id}-err`}
                  onInput={(e) => {
                    setSaved(undefined);
                    setTexts({ ...texts, [field]: (e.target as HTMLInputElement).value });
                  }}
                />
                <FieldError id={`${id}-err`} message={errors[field]} />
              </div>
            );
          })}
          <div class="span-all actions-row">
            <button type="submit" disabled={readOnly || busy}>
              {busy ? 'Saving…' : 'Save thresholds'}
            </button>
            {saved && <Notice>{saved}</Notice>}
          </div>
          <div class="span-all">
            <ErrorBox error={formError} title="Not saved" />
          </div>
        </form>
      )}
    </section>
  );
}
