// Maps one Postfix policy request's attributes (SMTPD_POLICY_README, Postfix 3.7) to an envelope-only ScanRequest.

import type { ScanRequest } from '../../core/types.ts';
import { normalizeIp } from '../../net/ip-address.ts';
import type { PolicyAttributes } from './framing.ts';

/** The SMTP states Postfix reports in `protocol_state` (BDAT is reported as DATA). */
export const POLICY_STATES = ['CONNECT', 'EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA', 'END-OF-MESSAGE', 'VRFY', 'ETRN'] as const;
export type PolicyState = (typeof POLICY_STATES)[number];

/** The only request type Postfix sends. */
export const POLICY_REQUEST_TYPE = 'smtpd_access_policy';

/** Attributes that become ScanRequest fields; every other one goes into `facts` unchanged. */
const MAPPED = new Set(['client_address', 'helo_name', 'client_name', 'reverse_client_name', 'sender', 'recipient', 'sasl_username', 'queue_id']);

export type MappedRequest =
  | { ok: true; state: PolicyState; request: ScanRequest; instance: string | undefined }
  | { ok: false; reason: string };

/** Postfix's spelling of "no value" for names: the attribute is sent, but says nothing. */
function known(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value.toLowerCase() === 'unknown' ? undefined : value;
}

const STATE_SET: ReadonlySet<string> = new Set(POLICY_STATES);

/** Reads the state first so that states the listener does not check need nothing else to be valid. */
export function requestState(attrs: PolicyAttributes): PolicyState | undefined {
  const s = attrs.protocol_state?.toUpperCase();
  return s !== undefined && STATE_SET.has(s) ? (s as PolicyState) : undefined;
}

/**
 * Required: `request=smtpd_access_policy`, a known `protocol_state`, a valid `client_address`, and at RCPT
 * both `sender` (empty for `<>`) and `recipient`. At DATA and END-OF-MESSAGE Postfix sends `recipient`
 * only when there is exactly one, so there it is optional.
 */
export function mapPolicyRequest(attrs: PolicyAttributes, settingsId: string | undefined): MappedRequest {
  if (attrs.request !== POLICY_REQUEST_TYPE) return { ok: false, reason: `request is '${attrs.request ?? ''}', not ${POLICY_REQUEST_TYPE}` };
  const state = requestState(attrs);
  if (!state) return { ok: false, reason: `unknown protocol_state '${attrs.protocol_state ?? ''}'` };
  if (attrs.client_address === undefined) return { ok: false, reason: 'missing client_address' };
  const clientIp = normalizeIp(attrs.client_address);
  if (!clientIp) return { ok: false, reason: `invalid client_address '${attrs.client_address}'` };
  if (state === 'RCPT') {
    if (attrs.sender === undefined) return { ok: false, reason: 'missing sender' };
    if (!attrs.recipient) return { ok: false, reason: 'missing recipient' };
  }

  const request: ScanRequest = { clientIp, rcptTo: attrs.recipient ? [attrs.recipient] : [] };
  const helo = known(attrs.helo_name);
  if (helo) request.helo = helo;
  // client_name is forward-confirmed; reverse_client_name is the bare PTR, better than nothing.
  const hostname = known(attrs.client_name) ?? known(attrs.reverse_client_name);
  if (hostname) request.hostname = hostname;
  if (attrs.sender !== undefined) request.mailFrom = attrs.sender;
  const user = known(attrs.sasl_username);
  if (user) request.user = user;
  if (attrs.queue_id) request.queueId = attrs.queue_id;
  if (settingsId) request.settingsId = settingsId;
  const facts: Record<string, string> = {};
  // Object.keys, not Object.entries: no [name, value] pair per attribute (it was about half of this function's time).
  for (const name of Object.keys(attrs)) {
    if (!MAPPED.has(name)) facts[name.toLowerCase()] = attrs[name];
  }
  // The unverified PTR name stays visible to checks even when the verified one became `hostname`.
  if (attrs.reverse_client_name !== undefined) facts.reverse_client_name = attrs.reverse_client_name;
  request.facts = facts;
  return { ok: true, state, request, instance: attrs.instance || undefined };
}
