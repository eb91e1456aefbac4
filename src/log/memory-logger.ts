// A Logger that keeps records in memory, for tests that assert what was logged.

import type { LogFields, Logger } from '../core/context.ts';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: LogFields;
}

export class MemoryLogger implements Logger {
  readonly records: LogRecord[];
  readonly #base: LogFields;

  constructor(records: LogRecord[] = [], base: LogFields = {}) {
    this.records = records;
    this.#base = base;
  }
  #push(level: LogRecord['level'], fields: LogFields, msg: string): void {
    this.records.push({ level, msg, fields: { ...this.#base, ...fields } });
  }
  debug(fields: LogFields, msg: string): void {
    this.#push('debug', fields, msg);
  }
  info(fields: LogFields, msg: string): void {
    this.#push('info', fields, msg);
  }
  warn(fields: LogFields, msg: string): void {
    this.#push('warn', fields, msg);
  }
  error(fields: LogFields, msg: string): void {
    this.#push('error', fields, msg);
  }
  child(fields: LogFields): Logger {
    return new MemoryLogger(this.records, { ...this.#base, ...fields });
  }
}
