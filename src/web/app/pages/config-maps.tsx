// The lists editor: multimap files and whitelists listed, opened in a textarea and saved through the API, with the lines the server refused named.

import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorText, get, put } from '../api.ts';
import type { MapInfo } from '../types.ts';
import { ErrorBox, Loading, Notice, useApi } from '../ui.tsx';

/** The API may answer with winnow's `{id}` or rspamd's `{map}` naming. */
type MapRow = MapInfo & { map?: string | number };

async function loadMaps(): Promise<MapInfo[]> {
  const rows = await get<MapRow[] | { maps: MapRow[] }>('/api/maps');
  const list = Array.isArray(rows) ? rows : rows.maps;
  return list.map((m) => ({ ...m, id: String(m.id ?? m.map) }));
}

export function MapsEditor({ readOnly }: { readOnly: boolean }) {
  const { data, error, loading } = useApi(loadMaps, []);
  const [selected, setSelected] = useState<string>();

  return (
    <section class="card" aria-labelledby="maps-title">
      <h2 id="maps-title">Lists</h2>
      <ErrorBox error={error} title="Cannot read the lists" />
      <Loading when={loading && !data} />
      {data && data.length === 0 && <p class="muted">No lists are configured (multimap checks with a file, whitelists).</p>}
      {data && data.length > 0 && (
        <ul class="map-list">
          {data.map((m) => (
            <li key={m.id}>
              <button type="button" class={`link ${selected === m.id ? 'current' : ''}`} aria-pressed={selected === m.id} onClick={() => setSelected(m.id)}>
                {m.description || `List ${m.id}`}
              </button>
              <span class="muted small">
                {m.symbol && ` · ${m.symbol}`}
                {m.type && ` · ${m.type}`}
                {m.uri && ` · ${m.uri}`}
                {!m.editable && ' · read-only (shipped with winnow)'}
              </span>
            </li>
          ))}
        </ul>
      )}
      {selected && data && (
        <MapText key={selected} map={data.find((m) => m.id === selected)!} readOnly={readOnly || !data.find((m) => m.id === selected)?.editable} />
      )}
    </section>
  );
}

function MapText({ map, readOnly }: { map: MapInfo; readOnly: boolean }) {
  const url = `/api/maps/${encodeURIComponent(map.id)}`;
  const { data, error, loading } = useApi(() => get<string>(url, { headers: { Accept: 'text/plain, application/json' } }), [url]);
  const [text, setText] = useState<string>();
  const [saveError, setSaveError] = useState<ApiError | Error>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (data !== undefined) setText(typeof data === 'string' ? data : JSON.stringify(data));
  }, [data]);

  const save = async (e: Event) => {
    e.preventDefault();
    if (text === undefined) return;
    setBusy(true);
    setSaved(false);
    setSaveError(undefined);
    try {
      await put(url, text);
      setSaved(true);
    } catch (err) {
      setSaveError(err instanceof Error ? err : new Error(errorText(err)));
    } finally {
      setBusy(false);
    }
  };

  const id = `map-${map.id}`;
  const lines = saveError instanceof ApiError ? saveError.lines : [];
  return (
    <form onSubmit={save} class="map-editor">
      <ErrorBox error={error} title="Cannot read the list" />
      <Loading when={loading && text === undefined} />
      {text !== undefined && (
        <>
          <label for={id}>
            {map.description || `List ${map.id}`} <span class="muted small">(one entry per line; # starts a comment)</span>
          </label>
          <textarea
            id={id}
            rows={14}
            spellcheck={false}
            value={text}
            readOnly={readOnly}
            aria-invalid={saveError ? 'true' : undefined}
            aria-describedby={`${id}-err`}
            onInput={(e) => {
              setSaved(false);
              setText((e.target as HTMLTextAreaElement).value);
            }}
          />
          <div id={`${id}-err`} class="field-error" role={saveError ? 'alert' : undefined}>
            {saveError && lines.length === 0 && <p>{saveError.message}</p>}
            {lines.length > 0 && (
              <ul>
                {lines.map((l) => (
                  <li key={l.line}>
                    Line {l.line}: {l.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div class="actions-row">
            <button type="submit" disabled={readOnly || busy}>
              {busy ? 'Saving…' : 'Save list'}
            </button>
            {saved && <Notice>Saved and reloaded.</Notice>}
          </div>
        </>
      )}
    </form>
  );
}
