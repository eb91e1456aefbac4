// Maps Node file-system errors on a mailbox path to winnow's stable mailbox error codes.
import { WinnowError } from '../errors.ts';

export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** ENOENT/ENOTDIR → ERR_MAILBOX_NOT_FOUND, anything else → ERR_MAILBOX_UNREADABLE; the cause is kept. */
export function mailboxFsError(path: string, err: unknown): WinnowError {
  const code = errnoOf(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new WinnowError('ERR_MAILBOX_NOT_FOUND', `no such mailbox, file or folder: ${path}`, { cause: err });
  }
  return new WinnowError('ERR_MAILBOX_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
}
