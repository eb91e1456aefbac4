// One reader over any mailbox kind: yields messages in a stable order, reports damage, and removes what the caller learned.
import { stat, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { WinnowError } from '../errors.ts';
import { detectSource } from './detect.ts';
import { findMaildirEntry, listDirectory, listMaildir, listMh } from './folders.ts';
import { errnoOf, mailboxFsError } from './fs-errors.ts';
import { countMboxMessages, scanMbox } from './mbox-reader.ts';
import type { MboxSnapshot } from './mbox-reader.ts';
import { commitMboxRemovals } from './mbox-rewrite.ts';
import type { ByteRange } from './mbox-rewrite.ts';
import { readMessageFile } from './message-file.ts';
import { MAX_MESSAGE_BYTES } from './types.ts';
import type {
  CommitOptions,
  CommitResult,
  DamageReport,
  MailboxKind,
  MailboxMessage,
  MailboxSource,
  ReadOptions,
} from './types.ts';

/** Reads `path` as whatever mailbox it is; see `MailboxReader`. Nothing is touched until iteration starts. */
export function readMessages(path: string, opts: ReadOptions = {}): MailboxReader {
  return new MailboxReader(path, opts);
}

/**
 * Iterate once with `for await`. Errors that concern the whole mailbox (ERR_MAILBOX_NOT_FOUND,
 * ERR_MAILBOX_EMPTY, ERR_MAILBOX_UNREADABLE) are thrown from the first step, before anything is
 * yielded; problems with single messages are reported through `onDamage` and collected in `damage`,
 * and reading goes on.
 *
 * Removal: `msg.remove()` unlinks a message file at once; for an mbox it only records the message, and
 * `commitRemovals()` (after the iteration has ended) rewrites the mbox under a dot-lock. Call either
 * only once the work done with the messages is committed. `removeAllRead()` does both for every
 * yielded message: the `--remove-after` workflow.
 */
export class MailboxReader implements AsyncIterable<MailboxMessage> {
  readonly path: string;
  /** Every problem reported so far, in order. */
  readonly damage: DamageReport[] = [];
  private readonly opts: ReadOptions;
  private sourceInfo: MailboxSource | undefined;
  private started = false;
  private iterating = false;
  private committed = false;
  private yielded = 0;
  private unlinked = 0;
  // What was yielded, for removeAllRead: paths, or flat [start, end, ...] pairs for an mbox (a closure
  // per message would cost ~150 bytes each on a mailbox of millions).
  private readonly yieldedFiles: string[] = [];
  private readonly yieldedRanges: number[] = [];
  private snapshot: MboxSnapshot | undefined;
  /** Mbox entries chosen for removal, by start offset. */
  private readonly marked = new Map<number, ByteRange>();

  constructor(path: string, opts: ReadOptions) {
    this.path = path;
    this.opts = opts;
  }

  /** Known once iteration has started. */
  get kind(): MailboxKind | undefined {
    return this.sourceInfo?.kind;
  }

  /** Messages yielded so far. */
  get messagesRead(): number {
    return this.yielded;
  }

  [Symbol.asyncIterator](): AsyncIterator<MailboxMessage> {
    if (this.started) throw new WinnowError('ERR_INVALID_ARGUMENT', `${this.path} is already being read; a reader iterates once`);
    this.started = true;
    return this.run();
  }

  private async *run(): AsyncGenerator<MailboxMessage> {
    this.iterating = true;
    try {
      const source = await resolveSource(this.path, this.opts.kind);
      this.sourceInfo = source;
      const inner = source.kind === 'mbox' ? this.readMbox(source.path) : this.readFiles(source);
      for await (const msg of inner) {
        this.yielded++;
        yield msg;
      }
    } finally {
      this.iterating = false;
    }
  }

  private report(report: DamageReport): void {
    this.damage.push(report);
    this.opts.onDamage?.(report);
  }

  private async *readFiles(source: MailboxSource): AsyncGenerator<MailboxMessage> {
    const files = await listFiles(source);
    if (files.length === 0) throw emptyError(source);
    const max = this.opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    for (const listed of files) {
      let file = listed;
      let read = await readMessageFile(file, max);
      if (!read.ok && read.problem === 'gone' && source.kind === 'maildir') {
        // A mail client moved it from new/ to cur/ or changed its flags while we were reading.
        const moved = await findMaildirEntry(source.path, basename(file));
        if (moved !== undefined) {
          file = moved;
          read = await readMessageFile(file, max);
        }
      }
      if (!read.ok) {
        const kind = read.problem === 'too-large' ? 'too-large' : 'unreadable';
        const what =
          read.problem === 'too-large'
            ? `is larger than the ${max}-byte limit (${read.detail}); skipped`
            : `could not be read (${read.detail}); skipped`;
        this.report({ kind, source: file, message: `${file} ${what}` });
        continue;
      }
      this.yieldedFiles.push(file);
      yield { source: file, bytes: read.bytes, remove: this.fileRemover(source, file) };
    }
  }

  private fileRemover(source: MailboxSource, file: string): () => Promise<void> {
    return async () => {
      try {
        await unlink(file);
        this.unlinked++;
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw err;
        if (source.kind !== 'maildir') return;
        const moved = await findMaildirEntry(source.path, basename(file));
        if (moved === undefined) return;
        await unlink(moved);
        this.unlinked++;
      }
    };
  }

  private async *readMbox(path: string): AsyncGenerator<MailboxMessage> {
    let any = false;
    const events = scanMbox(path, {
      maxMessageBytes: this.opts.maxMessageBytes,
      chunkBytes: this.opts.chunkBytes,
      snapshot: (snap) => {
        this.snapshot = snap;
      },
    });
    for await (const ev of events) {
      any = true;
      if (ev.type === 'damage') {
        this.report(mboxDamage(path, ev.kind, ev.index, ev.start, ev.end, this.opts.maxMessageBytes ?? MAX_MESSAGE_BYTES));
        continue;
      }
      const range = { start: ev.start, end: ev.end };
      this.yieldedRanges.push(ev.start, ev.end);
      yield {
        source: `mbox:${path}#${ev.index}`,
        bytes: ev.bytes,
        envelopeFrom: ev.envelopeFrom,
        remove: async () => this.mark(range),
      };
    }
    if (!any) throw emptyError({ kind: 'mbox', path });
  }

  private mark(range: ByteRange): void {
    if (this.committed) {
      throw new WinnowError('ERR_INVALID_ARGUMENT', `removals from ${this.path} were already committed; read it again`);
    }
    this.marked.set(range.start, range);
  }

  /**
   * Applies recorded mbox removals (lock, check, rewrite: see `commitMboxRemovals`). For other kinds
   * removals already happened; this only reports how many. After it, the reader accepts no more removals.
   */
  async commitRemovals(opts: CommitOptions = {}): Promise<CommitResult> {
    if (this.iterating) {
      throw new WinnowError('ERR_INVALID_ARGUMENT', `finish (or break out of) reading ${this.path} before committing removals`);
    }
    if (this.sourceInfo?.kind !== 'mbox') return { removed: this.unlinked };
    if (this.committed) return { removed: 0, mboxAction: 'none' };
    this.committed = true;
    if (this.snapshot === undefined || this.marked.size === 0) return { removed: 0, mboxAction: 'none' };
    const res = await commitMboxRemovals(this.path, this.snapshot, [...this.marked.values()], opts);
    return { removed: res.removed, mboxAction: res.action };
  }

  /** Removes every message this reader yielded, then commits: use once the learned counts are stored. */
  async removeAllRead(opts: CommitOptions = {}): Promise<CommitResult> {
    if (this.iterating) {
      throw new WinnowError('ERR_INVALID_ARGUMENT', `finish (or break out of) reading ${this.path} before removing`);
    }
    if (this.sourceInfo?.kind === 'mbox') {
      for (let i = 0; i < this.yieldedRanges.length; i += 2) {
        this.mark({ start: this.yieldedRanges[i], end: this.yieldedRanges[i + 1] });
      }
    } else if (this.sourceInfo !== undefined) {
      for (const file of this.yieldedFiles) await this.fileRemover(this.sourceInfo, file)();
    }
    return this.commitRemovals(opts);
  }
}

function listFiles(source: MailboxSource): Promise<string[]> {
  switch (source.kind) {
    case 'maildir':
      return listMaildir(source.path);
    case 'mh':
      return listMh(source.path);
    case 'directory':
      return listDirectory(source.path);
    default:
      return Promise.resolve([source.path]);
  }
}

function emptyError(source: MailboxSource): WinnowError {
  const what = source.kind === 'mbox' ? 'mbox' : source.kind === 'file' ? 'file' : `${source.kind} folder`;
  return new WinnowError('ERR_MAILBOX_EMPTY', `${source.path}: the ${what} holds no messages`);
}

function mboxDamage(
  path: string,
  kind: 'garbage-start' | 'truncated' | 'too-large',
  index: number | undefined,
  start: number,
  end: number,
  max: number,
): DamageReport {
  const where = `bytes ${start}-${end}`;
  const source = index === undefined ? `mbox:${path}` : `mbox:${path}#${index}`;
  const text = {
    'garbage-start': `${path} does not start with a "From " line: ${where} before the first message were skipped (left in the file)`,
    truncated:
      `${path} ends in the middle of message ${index} (${where}): ` +
      'it was cut off or is still being written; skipped (left in the file)',
    'too-large': `message ${index} of ${path} is larger than the ${max}-byte limit (${where}); skipped (left in the file)`,
  }[kind];
  return { kind, source, offset: start, length: end - start, message: text };
}

/** Detects the kind, or checks that the path exists when the caller named the kind. */
async function resolveSource(path: string, kind: MailboxKind | undefined): Promise<MailboxSource> {
  if (kind === undefined) return detectSource(path);
  try {
    await stat(path);
  } catch (err) {
    throw mailboxFsError(path, err);
  }
  return { kind, path };
}

/** A total for a progress bar: cheap for folders (a listing), one streaming scan for an mbox; damaged entries count. */
export async function countMessages(path: string, opts: Pick<ReadOptions, 'kind' | 'chunkBytes'> = {}): Promise<number> {
  const source = await resolveSource(path, opts.kind);
  if (source.kind === 'mbox') return countMboxMessages(path, opts.chunkBytes);
  return (await listFiles(source)).length;
}
