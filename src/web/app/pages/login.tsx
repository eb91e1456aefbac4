// Login: the read password gives a read-only session, the enable password full access; wrong passwords and throttling are explained.

import { useState } from 'preact/hooks';
import { ApiError, errorText, post, setCsrf } from '../api.ts';
import type { Session } from '../types.ts';

export function LoginPage({ onLogin, expired }: { onLogin: (s: Session) => void; expired: boolean }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!password) {
      setError('Enter the password.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const r = await post<{ ok?: boolean; readOnly?: boolean; csrf?: string }>('/api/login', { password }, { quiet401: true });
      setCsrf(r.csrf ?? '');
      setPassword('');
      onLogin({ readOnly: r.readOnly === true });
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'ERR_AUTH_FAILED' || err.status === 401)) setError(password ? 'Wrong password.' : err.message);
      else if (err instanceof ApiError && err.status === 429) {
        setError(`Too many failed attempts. Try again${err.retryAfterSec ? ` in ${err.retryAfterSec} s` : ' later'}.`);
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <h1>winnow</h1>
      <form onSubmit={submit} class="card" aria-describedby="login-help">
        {expired && (
          <p class="notice" role="status">
            Your session ended. Log in again.
          </p>
        )}
        {/* Password managers pair a password with a user name; the controller has none, so a fixed hidden one. */}
        <input type="text" name="username" autocomplete="username" value="winnow" class="sr-only" tabIndex={-1} aria-hidden="true" readOnly />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby="login-error"
          autofocus
        />
        <span id="login-error" class="field-error" role={error ? 'alert' : undefined}>
          {error ?? ''}
        </span>
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p id="login-help" class="muted small">
          The read password opens a read-only session; the enable password allows changes.
        </p>
      </form>
    </main>
  );
}
