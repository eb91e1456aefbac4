// SMTP load for the milter benchmark: a list of messages over N concurrent sessions, each carrying several messages, counting the MTA's final replies.

import { performance } from 'node:perf_hooks';
import { SmtpSession, type SmtpSessionOptions } from '../lib/smtp-client.ts';

const MAX_ERROR_SAMPLES = 5;

export interface SmtpLoadOptions {
  host: string;
  port: number;
  sessions: number;
  /** Messages per SMTP session before it says QUIT and a new one opens. */
  perSession: number;
  from: string;
  to: string;
  /** XCLIENT attributes for session number `i` (so the MTA sees varied clients), or none. */
  xclient?: (session: number) => Record<string, string>;
}

export interface SmtpLoadResult {
  /** 250 after the final dot. */
  accepted: number;
  /** 5xx final replies (milter reject). */
  rejected: number;
  /** 4xx final replies (milter tempfail/greylist, or the MTA's milter_default_action). */
  tempfailed: number;
  /** Sessions that broke or replies that never came. */
  errors: number;
  errorSamples: string[];
  /** The first few refusal texts, to show what the milter answered. */
  refusalSamples: string[];
  /** MAIL FROM to the reply after the final dot, per message. */
  latenciesMs: number[];
  /** First connect to the last final reply. */
  elapsedMs: number;
}

/** Sends every message once; each of `sessions` slots opens a session, sends up to `perSession` messages, quits, repeats. */
export async function runSmtpLoad(messages: readonly Uint8Array[], o: SmtpLoadOptions): Promise<SmtpLoadResult> {
  const r: SmtpLoadResult = { accepted: 0, rejected: 0, tempfailed: 0, errors: 0, errorSamples: [], refusalSamples: [], latenciesMs: [], elapsedMs: 0 };
  const note = (list: string[], text: string): void => {
    if (list.length < MAX_ERROR_SAMPLES && !list.includes(text)) list.push(text);
  };
  let next = 0;
  let sessionNo = 0;
  const t0 = performance.now();
  const slot = async (): Promise<void> => {
    while (next < messages.length) {
      const opts: SmtpSessionOptions = { host: o.host, port: o.port, xclient: o.xclient?.(sessionNo++) };
      let session: SmtpSession;
      try {
        session = await SmtpSession.open(opts);
      } catch (err) {
        // The message this session would have carried is not lost: the next attempt takes it.
        r.errors++;
        note(r.errorSamples, (err as Error).message);
        if (r.errors > messages.length) throw new Error(`SMTP sessions keep failing: ${r.errorSamples.join('; ')}`);
        continue;
      }
      try {
        for (let i = 0; i < o.perSession && next < messages.length; i++) {
          const data = messages[next++];
          const start = performance.now();
          const t = await session.send({ from: o.from, to: [o.to], data });
          r.latenciesMs.push(performance.now() - start);
          if (t.accepted) r.accepted++;
          else {
            if (t.reply.code >= 500) r.rejected++;
            else r.tempfailed++;
            note(r.refusalSamples, t.reply.text);
          }
        }
        await session.quit();
      } catch (err) {
        r.errors++;
        note(r.errorSamples, (err as Error).message);
        session.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.sessions, messages.length) }, slot));
  r.elapsedMs = performance.now() - t0;
  return r;
}
