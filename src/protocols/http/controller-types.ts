// What the controller's routes share: the daemon-provided dependencies, the per-request context and the route shape.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scanner } from '../../core/scanner.ts';
import type { BayesService } from '../../classifier/service-types.ts';
import type { ConfigEditor } from '../../config/config-edit.ts';
import type { CounterStore, GreylistStore, HistoryStore, StoreHealth } from '../../storage/interfaces.ts';
import type { SeriesStore } from '../../storage/series-interfaces.ts';
import type { ControllerAuthConfig } from './auth.ts';
import type { FailureThrottle } from './failure-throttle.ts';
import type { HeaderBag } from './request-headers.ts';
import type { Access } from './request-auth.ts';
import type { ScanDeps } from './scan-route.ts';

/** One worker process as the status page shows it. */
export interface WorkerFigure {
  pid: number;
  generation?: number;
  rssBytes?: number;
  /** Scans this worker finished since it started. */
  scanned?: number;
  uptimeSec?: number;
}

/** Outcome of asking the daemon to re-read its configuration (new workers replace the running ones). */
export interface ReloadOutcome {
  ok: boolean;
  /** Generation now serving, when known. */
  generation?: number;
  error?: string;
}

/** A list file the UI may show and edit (multimap maps, greylist whitelists). */
export interface EditableMap {
  /** Stable within one configuration: the position in the daemon's list (rspamd uses numbers too). */
  id: number;
  path: string;
  /** ip, domain, email, regex, greylist-clients, greylist-addresses... */
  type: string;
  description: string;
  /** The symbol the list feeds, when it has one. */
  symbol?: string;
  editable: boolean;
  /** Parses text as the list's loader would; throws an error with `line` (MapParseError) on the first bad line. */
  parse(text: string): unknown;
}

/** The UI's static files (src/web/serve-static.ts). */
export interface StaticSiteLike {
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void>;
}

export interface ControllerDeps extends ScanDeps {
  scanner: Pick<Scanner, 'scan' | 'engine' | 'scheduler'>;
  store: {
    counters: CounterStore;
    history: HistoryStore;
    series?: SeriesStore;
    greylist?: GreylistStore;
    health?(): Promise<StoreHealth>;
  };
  auth: ControllerAuthConfig;
  /** The scan recorder batches counters in memory; flushing it first makes /stat show scans that just finished. */
  recorder?: { flush(): Promise<void>; count?(deltas: Record<string, number>): void };
  /** The classifier behind /learnspam, /learnham, /stat's statfiles and explanations; undefined when the bayes check is disabled. */
  bayes?: BayesService;
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** When the daemon started (ms since epoch), for `uptime`; defaults to when the handler was created. */
  startedAt?: number;
  /** Injected for tests of the login throttle. */
  throttle?: FailureThrottle;
  /** Signing key of browser sessions, shared by every worker (ui-session.ts loadSessionKey); random per handler when absent. */
  sessionKey?: Buffer;
  /** Serves `/`, `/index.html` and `/assets/…`; absent → 404 there. */
  site?: StaticSiteLike;
  /** This process's generation (bumped by every reload). */
  generation?: number;
  /** Every worker of the daemon, as last reported to the primary (this one included). */
  workers?: () => WorkerFigure[];
  /** Size of the store on disk in bytes, when the backend has one. */
  storeSizeBytes?: () => number | undefined;
  /** Edits of the configuration file; absent when the daemon runs on embedded defaults (no file to write). */
  config?: ConfigEditor;
  /** Applies a changed configuration without a restart; resolves once the new workers serve. */
  reload?: () => Promise<ReloadOutcome>;
  /** The list files of the current configuration. */
  maps?: () => EditableMap[];
  /** Re-reads a list file in this process at once (other workers notice the change on their own). */
  reloadMapFile?: (path: string) => Promise<void>;
  /** Greylist timing from the check's config, for entry states and releases. */
  greylist?: { delayMs: number; maxAgeMs: number };
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  bag: HeaderBag;
  /** Path segments after the route's own (`/api/maps/3` → `['3']`). */
  params: string[];
  /** True when the client authenticated with the read-only password. */
  readOnly: boolean;
  access: Access;
  uptimeSec: number;
}

export interface ControllerRoute {
  /** State-changing: needs enable_password (or password when no enable_password is set); may depend on the method. */
  privileged: boolean | ((method: string) => boolean);
  /** Answered without any authentication (liveness probes, the UI's static files, login). */
  public?: boolean;
  /** winnow's own `/api/` routes: errors as `{"error": {code, message, field?}}`. */
  api?: boolean;
  handle(ctx: RouteContext): Promise<void>;
}

export type RouteTable = Map<string, ControllerRoute>;
