// Shared types and limits of the mailbox input layer (files, Maildir, mbox, MH, plain directories).

/** What a path on disk holds; `detectSource` decides, `ReadOptions.kind` can override. */
export type MailboxKind = 'file' | 'maildir' | 'mbox' | 'mh' | 'directory';

export interface MailboxSource {
  kind: MailboxKind;
  path: string;
}

/** One message read from a mailbox. Keep `remove` (it holds no bytes), not the whole message, if you remove later. */
export interface MailboxMessage {
  /** The file path, or `mbox:<path>#<n>` for the n-th (1-based) message of an mbox. */
  source: string;
  /** The message as stored; for mbox without the `From ` line and with mboxrd `>From ` quoting undone. */
  bytes: Uint8Array;
  /** The mbox `From ` envelope line (without line ending); only for mbox messages. */
  envelopeFrom?: string;
  /**
   * Deletes the message. One-file-per-message kinds unlink at once (call it only after your work is
   * committed); for an mbox it records the message, and `MailboxReader.commitRemovals()` rewrites the mbox.
   */
  remove: () => Promise<void>;
}

export type DamageKind =
  /** Bytes before the first `From ` separator of an mbox (kept on disk, never yielded). */
  | 'garbage-start'
  /** The mbox ends in the middle of a line: the last message is incomplete (kept on disk, not yielded). */
  | 'truncated'
  /** A message larger than `maxMessageBytes` (kept on disk, not yielded). */
  | 'too-large'
  /** A message file that vanished or could not be read while we listed/read the folder. */
  | 'unreadable';

/** A problem found while reading; reading continues after it. */
export interface DamageReport {
  kind: DamageKind;
  /** Same naming as `MailboxMessage.source` (`mbox:<path>` for a region that is not a message). */
  source: string;
  /** Byte range in the mbox, for mbox damage. */
  offset?: number;
  length?: number;
  /** One human-readable sentence, ready to print. */
  message: string;
}

export interface ReadOptions {
  /** Skip detection and read the path as this kind. */
  kind?: MailboxKind;
  /** Messages larger than this are reported as `too-large` and skipped. */
  maxMessageBytes?: number;
  /** Called for each problem as it is found, before the messages after it are yielded. */
  onDamage?: (report: DamageReport) => void;
  /** Read size for mbox scanning (tests use tiny chunks to exercise boundaries). */
  chunkBytes?: number;
}

export interface CommitOptions {
  /** How long to wait for another process's dot-lock before failing with ERR_MAILBOX_LOCKED. */
  lockTimeoutMs?: number;
  /** A dot-lock older than this is considered abandoned and broken. */
  lockStaleMs?: number;
}

export interface CommitResult {
  /** Messages actually deleted (unlinked, or dropped from the mbox). */
  removed: number;
  /** For mbox: what was done to the file. */
  mboxAction?: 'none' | 'truncated' | 'rewritten';
}

/** bogofilter/rspamd-scale messages are far below this; bigger ones are almost always broken mbox splits. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Read size when streaming an mbox. */
export const READ_CHUNK_BYTES = 256 * 1024;
/** A line longer than this is handed on in pieces, so one newline-free gigabyte cannot fill memory. */
export const MAX_LINE_BYTES = 1024 * 1024;
