// Messages between the primary process and its workers over the cluster IPC channel.

export interface ListenerInfo {
  name: string;
  address: string;
}

/** What a worker reports about itself every few seconds (worker-link.ts), for the controller's status page. */
export interface WorkerStats {
  pid: number;
  generation: number;
  rssBytes: number;
  /** Scans finished by this worker since it started. */
  scanned: number;
  uptimeSec: number;
}

export type ToPrimary =
  | { type: 'ready'; listeners: ListenerInfo[]; store: string; checks: number }
  | { type: 'fatal'; error: string }
  /** The controller changed the config file: start a new generation (primary-link.ts); answered with `reloaded`. */
  | { type: 'reload'; id: number }
  | { type: 'stats'; stats: WorkerStats };

export type FromPrimary =
  | { type: 'shutdown' }
  | { type: 'reloaded'; id: number; ok: boolean; generation?: number; error?: string }
  /** Every live worker's last report, sent back to the worker that reported. */
  | { type: 'workers'; workers: WorkerStats[] };
