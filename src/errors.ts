// Stable error codes shared by every module, with the HTTP status and SMTP reply each maps to where relevant.

/** One row per code; add codes here, never rename one (operators grep logs for them). */
export const ERROR_CODES = {
  ERR_INVALID_ARGUMENT: { httpStatus: 400, smtpReply: undefined },
  ERR_CONFIG_INVALID: { httpStatus: 500, smtpReply: '451 4.3.5 Server configuration problem' },
  ERR_BAD_REQUEST: { httpStatus: 400, smtpReply: '501 5.5.4 Syntax error in parameters' },
  ERR_MESSAGE_TOO_LARGE: { httpStatus: 413, smtpReply: '552 5.3.4 Message too big' },
  ERR_UNAUTHORIZED: { httpStatus: 401, smtpReply: '530 5.7.0 Authentication required' },
  ERR_INTERNAL: { httpStatus: 500, smtpReply: '451 4.3.0 Internal error, try again later' },
  ERR_STORE_UNAVAILABLE: { httpStatus: 503, smtpReply: '451 4.3.0 Temporary storage failure, try again later' },
  ERR_STORE_BUSY: { httpStatus: 503, smtpReply: '451 4.3.0 Temporary storage failure, try again later' },
  ERR_STORE_SCHEMA: { httpStatus: 500, smtpReply: '451 4.3.5 Storage schema mismatch' },
  ERR_STORE_CORRUPT: { httpStatus: 500, smtpReply: '451 4.3.0 Storage is damaged' },
  ERR_STORE_FAILED: { httpStatus: 500, smtpReply: '451 4.3.0 Temporary storage failure, try again later' },
  ERR_DNS_TEMPFAIL: { httpStatus: 503, smtpReply: '451 4.4.3 Temporary DNS failure, try again later' },
  ERR_MAILBOX_NOT_FOUND: { httpStatus: 404, smtpReply: undefined },
  ERR_MAILBOX_EMPTY: { httpStatus: 404, smtpReply: undefined },
  ERR_MAILBOX_UNREADABLE: { httpStatus: 403, smtpReply: undefined },
  ERR_MAILBOX_LOCKED: { httpStatus: 423, smtpReply: undefined },
  ERR_MAILBOX_CHANGED: { httpStatus: 409, smtpReply: undefined },
} as const satisfies Record<string, { httpStatus: number; smtpReply: string | undefined }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error that carries a stable `code`; the original failure, if any, is kept as `cause`. */
export class WinnowError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WinnowError';
    this.code = code;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }

  get smtpReply(): string | undefined {
    return ERROR_CODES[this.code].smtpReply;
  }
}

export function isWinnowError(err: unknown, code?: ErrorCode): err is WinnowError {
  return err instanceof WinnowError && (code === undefined || err.code === code);
}
