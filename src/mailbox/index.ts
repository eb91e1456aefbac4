// Public surface of the mailbox input layer used by `winnow classify -B` and `winnow learn`.
export { detectSource } from './detect.ts';
export { readMessages, countMessages, MailboxReader } from './read-messages.ts';
export { acquireDotlock, DOTLOCK_STALE_MS, DOTLOCK_TIMEOUT_MS } from './dotlock.ts';
export type { Dotlock, DotlockOptions } from './dotlock.ts';
export { MAX_MESSAGE_BYTES } from './types.ts';
export type {
  CommitOptions,
  CommitResult,
  DamageKind,
  DamageReport,
  MailboxKind,
  MailboxMessage,
  MailboxSource,
  ReadOptions,
} from './types.ts';
