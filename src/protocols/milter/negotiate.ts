// Option negotiation (SMFIC_OPTNEG, PROTOCOLS.md §1.4): pick the version, the modifications we use and the events we answer.

import { MILTER_VERSION, MIN_MILTER_VERSION, SMFIF, SMFIP, V1_ACTIONS, V1_PROTOCOL } from './constants.ts';

/** Modifications winnow makes: add headers, change/delete headers (forged ones, Subject), quarantine. */
export const WANTED_ACTIONS = SMFIF.ADDHDRS | SMFIF.CHGHDRS | SMFIF.QUARANTINE;

/**
 * Events we do not answer: the verdict comes at end of body, so every earlier event is one-way (what rspamd's
 * milter asks too). An MTA that cannot skip replies (protocol < 6) gets a CONTINUE to each instead.
 */
export const WANTED_NO_REPLY =
  SMFIP.NR_CONN | SMFIP.NR_HELO | SMFIP.NR_MAIL | SMFIP.NR_RCPT | SMFIP.NR_DATA | SMFIP.NR_UNKN | SMFIP.NR_EOH | SMFIP.NR_BODY | SMFIP.NR_HDR;

/** Which command (by its SMFIC char) each no-reply bit silences. */
export const NO_REPLY_BIT: Readonly<Record<string, number>> = {
  C: SMFIP.NR_CONN,
  H: SMFIP.NR_HELO,
  M: SMFIP.NR_MAIL,
  R: SMFIP.NR_RCPT,
  T: SMFIP.NR_DATA,
  U: SMFIP.NR_UNKN,
  N: SMFIP.NR_EOH,
  B: SMFIP.NR_BODY,
  L: SMFIP.NR_HDR,
};

export interface MtaOffer {
  version: number;
  actions: number;
  protocol: number;
}

export interface Negotiated {
  version: number;
  /** Modifications the MTA allowed us (SMFIF_*). */
  actions: number;
  /** Protocol bits agreed (SMFIP_*): the no-reply bits in here are events we must not answer. */
  protocol: number;
}

export type NegotiationResult = { ok: true; reply: Negotiated } | { ok: false; reason: string };

/**
 * Answers the MTA's offer. Every bit we send back is one the MTA offered: Postfix treats anything else as a
 * protocol error. We ask for no NO* bits (every event is cheap and carries data or macros we map), so an
 * MTA on any version 2..6 sends the whole session.
 */
export function negotiate(mta: MtaOffer): NegotiationResult {
  if (mta.version < MIN_MILTER_VERSION) return { ok: false, reason: `MTA milter protocol version ${mta.version} is below ${MIN_MILTER_VERSION}` };
  const offeredActions = mta.actions === 0 ? V1_ACTIONS : mta.actions;
  const offeredProtocol = mta.protocol === 0 ? V1_PROTOCOL : mta.protocol;
  return {
    ok: true,
    reply: {
      version: Math.min(MILTER_VERSION, mta.version),
      actions: WANTED_ACTIONS & offeredActions,
      protocol: WANTED_NO_REPLY & offeredProtocol,
    },
  };
}

/** True when the filter must answer event `cmd` (an SMFIC char) under the agreed protocol bits. */
export function expectsReply(negotiated: Negotiated, cmd: string): boolean {
  const bit = NO_REPLY_BIT[cmd];
  return bit !== undefined && (negotiated.protocol & bit) === 0;
}

export function allows(negotiated: Negotiated, action: number): boolean {
  return (negotiated.actions & action) !== 0;
}
