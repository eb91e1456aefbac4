// The UI shell: session (login, logout, session loss), hash routing between the pages, navigation and focus on page change.

import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, onUnauthorized, post, setCsrf } from './api.ts';
import type { Session } from './types.ts';
import { LoginPage } from './pages/login.tsx';
import { StatusPage } from './pages/status.tsx';
import { ThroughputPage } from './pages/throughput.tsx';
import { HistoryPage } from './pages/history.tsx';
import { SymbolsPage } from './pages/symbols.tsx';
import { ConfigPage } from './pages/config.tsx';
import { ScanPage } from './pages/scan.tsx';
import { GreylistPage } from './pages/greylist.tsx';

export interface PageProps {
  session: Session;
}

const PAGES: { path: string; title: string; component: ComponentType<PageProps> }[] = [
  { path: 'status', title: 'Status', component: StatusPage },
  { path: 'throughput', title: 'Throughput', component: ThroughputPage },
  { path: 'history', title: 'History', component: HistoryPage },
  { path: 'symbols', title: 'Symbols', component: SymbolsPage },
  { path: 'config', title: 'Configuration', component: ConfigPage },
  { path: 'scan', title: 'Scan / Learn', component: ScanPage },
  { path: 'greylist', title: 'Greylist', component: GreylistPage },
];

function currentPath(): string {
  const p = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return PAGES.some((x) => x.path === p) ? p : 'status';
}

/** Asks the controller who we are: a live cookie session (or a new one for a trusted network), or nobody (→ login). */
async function probeSession(): Promise<Session | null> {
  try {
    const s = await get<{ authenticated?: boolean; readOnly?: boolean; csrf?: string }>('/api/session', { quiet401: true });
    if (!s.authenticated) return null;
    // The token is the session's, so a reloaded tab (or a trusted-network session just issued) gets it back here.
    setCsrf(s.csrf ?? '');
    return { readOnly: s.readOnly === true };
  } catch {
    return null;
  }
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [path, setPath] = useState(currentPath);
  const [expired, setExpired] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    void probeSession().then(setSession);
    const onHash = () => setPath(currentPath());
    addEventListener('hashchange', onHash);
    const off = onUnauthorized(() => {
      setCsrf('');
      setExpired(true);
      setSession(null);
    });
    return () => {
      removeEventListener('hashchange', onHash);
      off();
    };
  }, []);

  const page = PAGES.find((p) => p.path === path) ?? PAGES[0];
  useEffect(() => {
    document.title = `${page.title} · winnow`;
    // A new page is announced and keyboard users start at its heading, not at the old button.
    if (session) heading.current?.focus();
  }, [page, session]);

  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) {
    return (
      <LoginPage
        expired={expired}
        onLogin={(s) => {
          setExpired(false);
          setSession(s);
        }}
      />
    );
  }

  const logout = async () => {
    try {
      await post('/api/logout', {});
    } catch {
      // Logging out of a session that already ended is still logging out.
    }
    setCsrf('');
    setExpired(false);
    setSession(null);
  };

  const Page = page.component;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), heading.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">winnow</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a href={`#/${p.path}`} aria-current={p.path === page.path ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`access ${session.readOnly ? 'ro' : 'rw'}`} data-testid="access">
          {session.readOnly ? 'read-only' : 'full access'}
        </span>
        <button type="button" class="secondary" onClick={logout}>
          Log out
        </button>
      </header>
      <main id="main">
        <h1 tabIndex={-1} ref={heading}>
          {page.title}
        </h1>
        <Page key={page.path} session={session} />
      </main>
    </>
  );
}
