// Replay-and-splice: when a greylisted tuple passes mid-session, the front replays HELO, MAIL and the accepted RCPTs to the real MTA and hands the session over.

import type { Socket } from 'node:net';
import type { ListenTarget } from '../../net/listen-address.ts';
import { connectUpstream, ReplyReader } from './upstream.ts';

/** The client's commands as it sent them. */
export interface ReplayPlan {
  helo: string | undefined;
  mail: string | undefined;
  /** RCPT lines the client already got a 250 for. */
  earlier: readonly string[];
  /** The RCPT line whose reply the client is waiting for: the MTA's answer to it is relayed. */
  current: string;
}

export type ReplayOutcome =
  /** The MTA took the session: `reply` (its answer to the current RCPT, CRLF included) goes to the client, then splice. */
  | { ok: true; upstream: Socket; reply: string }
  /** The MTA is down or refused a replayed command: `reply` goes to the client, which is then disconnected. */
  | { ok: false; reply: string; reason: string };

/** Replies that let the replay go on (RFC 5321 §4.3.2): greeting 220, HELO/EHLO/MAIL 250, RCPT 250 or 251. */
const EXPECTED = { banner: [220], helo: [250], mail: [250], rcpt: [250, 251] };

/** What a client hears when the hand-over fails before its own command was answered: try the whole message later. */
export function handoverFailedReply(hostname: string): string {
  return `421 ${hostname} Temporary failure, please try again later.\r\n`;
}

export async function replayToUpstream(target: ListenTarget, header: Buffer, plan: ReplayPlan, hostname: string): Promise<ReplayOutcome> {
  let sock: Socket;
  try {
    sock = await connectUpstream(target, header);
  } catch (err) {
    return { ok: false, reply: handoverFailedReply(hostname), reason: `upstream unreachable: ${(err as Error).message}` };
  }
  const reader = new ReplyReader(sock);
  const steps: { what: keyof typeof EXPECTED; line: string | undefined }[] = [
    { what: 'banner', line: undefined },
    ...(plan.helo !== undefined ? [{ what: 'helo' as const, line: plan.helo }] : []),
    ...(plan.mail !== undefined ? [{ what: 'mail' as const, line: plan.mail }] : []),
    ...plan.earlier.map((line) => ({ what: 'rcpt' as const, line })),
  ];
  try {
    for (const step of steps) {
      if (step.line !== undefined) sock.write(`${step.line}\r\n`, 'latin1');
      const reply = await reader.read();
      if (!EXPECTED[step.what].includes(reply.code)) {
        sock.end('QUIT\r\n');
        // A refused greeting, HELO or MAIL is the MTA's answer to this client, so the client hears it. A refused
        // earlier RCPT cannot be taken back from the client (it got 250): it must retry the whole message.
        const relay = step.what !== 'rcpt';
        return {
          ok: false,
          reply: relay ? reply.raw : handoverFailedReply(hostname),
          reason: `upstream answered ${step.what === 'banner' ? 'the connection' : JSON.stringify(step.line)} with ${reply.raw.trim().split('\r\n')[0]}`,
        };
      }
    }
    sock.write(`${plan.current}\r\n`, 'latin1');
    const answer = await reader.read();
    const extra = reader.detach();
    return { ok: true, upstream: sock, reply: answer.raw + extra.toString('latin1') };
  } catch (err) {
    reader.detach();
    sock.destroy();
    return { ok: false, reply: handoverFailedReply(hostname), reason: (err as Error).message };
  }
}
