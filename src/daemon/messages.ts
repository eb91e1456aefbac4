// Messages between the primary process and its workers over the cluster IPC channel.

export interface ListenerInfo {
  name: string;
  address: string;
}

export type ToPrimary =
  | { type: 'ready'; listeners: ListenerInfo[]; store: string; checks: number }
  | { type: 'fatal'; error: string };

export type FromPrimary = { type: 'shutdown' };
