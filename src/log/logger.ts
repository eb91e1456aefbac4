// Structured JSON logging through pino (one line per event), adapted to the Logger interface checks see.

import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogFields, Logger } from '../core/context.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * A pino logger, or a child of one that pino builds only when it first prints something. The scan pipeline
 * takes a child per scan and per check (queue id, check name) and almost all of them never log: building
 * pino children eagerly (`child` + serialising the bindings) was about 8 % of a policy request's CPU.
 * Levels are fixed at creation (winnow never changes a logger's level later), so the root's level decides
 * whether a call prints without building anything.
 */
class PinoAdapter implements Logger {
  readonly #root: PinoLogger;
  #p: PinoLogger | undefined;
  readonly #parent: PinoAdapter | undefined;
  /** The child's bindings; callers pass fresh literals and never change them afterwards. */
  readonly #fields: LogFields | undefined;

  constructor(root: PinoLogger, parent?: PinoAdapter, fields?: LogFields) {
    this.#root = root;
    this.#parent = parent;
    this.#fields = fields;
    if (!parent) this.#p = root;
  }

  #pino(): PinoLogger {
    // Only the root starts with #p set, and every child has a parent and fields.
    this.#p ??= this.#parent!.#pino().child(this.#fields!);
    return this.#p;
  }

  debug(fields: LogFields, msg: string): void {
    if (this.#root.isLevelEnabled('debug')) this.#pino().debug(fields, msg);
  }
  info(fields: LogFields, msg: string): void {
    if (this.#root.isLevelEnabled('info')) this.#pino().info(fields, msg);
  }
  warn(fields: LogFields, msg: string): void {
    if (this.#root.isLevelEnabled('warn')) this.#pino().warn(fields, msg);
  }
  error(fields: LogFields, msg: string): void {
    if (this.#root.isLevelEnabled('error')) this.#pino().error(fields, msg);
  }
  child(fields: LogFields): Logger {
    return new PinoAdapter(this.#root, this, fields);
  }
}

/** Logs JSON lines to stderr (stdout stays free for CLI output); `destination` is for tests. */
export function createLogger(level: LogLevel, base: LogFields = {}, destination: DestinationStream = pino.destination(2)): Logger {
  return new PinoAdapter(pino({ level, base: { pid: process.pid, ...base }, timestamp: pino.stdTimeFunctions.isoTime }, destination));
}
