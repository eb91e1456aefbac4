// Structured JSON logging through pino (one line per event), adapted to the Logger interface checks see.

import { pino, type Logger as PinoLogger } from 'pino';
import type { LogFields, Logger } from '../core/context.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

class PinoAdapter implements Logger {
  readonly #p: PinoLogger;
  constructor(p: PinoLogger) {
    this.#p = p;
  }
  debug(fields: LogFields, msg: string): void {
    this.#p.debug(fields, msg);
  }
  info(fields: LogFields, msg: string): void {
    this.#p.info(fields, msg);
  }
  warn(fields: LogFields, msg: string): void {
    this.#p.warn(fields, msg);
  }
  error(fields: LogFields, msg: string): void {
    this.#p.error(fields, msg);
  }
  child(fields: LogFields): Logger {
    return new PinoAdapter(this.#p.child(fields));
  }
}

/** Logs JSON lines to stderr (stdout stays free for CLI output). */
export function createLogger(level: LogLevel, base: LogFields = {}): Logger {
  return new PinoAdapter(pino({ level, base: { pid: process.pid, ...base }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2)));
}
