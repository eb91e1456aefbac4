// Milter wire constants (sendmail libmilter mfdef.h, protocol version 6; PROTOCOLS.md §1): command and reply codes, action and protocol bits.

/** MTA → filter commands (SMFIC_*), as their byte values. */
export const SMFIC = {
  ABORT: 0x41, // 'A'
  BODY: 0x42, // 'B'
  CONNECT: 0x43, // 'C'
  MACRO: 0x44, // 'D'
  BODYEOB: 0x45, // 'E'
  HELO: 0x48, // 'H'
  QUIT_NC: 0x4b, // 'K'
  HEADER: 0x4c, // 'L'
  MAIL: 0x4d, // 'M'
  EOH: 0x4e, // 'N'
  OPTNEG: 0x4f, // 'O'
  QUIT: 0x51, // 'Q'
  RCPT: 0x52, // 'R'
  DATA: 0x54, // 'T'
  UNKNOWN: 0x55, // 'U'
} as const;

/** Filter → MTA replies (SMFIR_*). */
export const SMFIR = {
  ADDRCPT: 0x2b, // '+'
  DELRCPT: 0x2d, // '-'
  SHUTDOWN: 0x34, // '4'
  OPTNEG: 0x4f, // 'O'
  ACCEPT: 0x61, // 'a'
  REPLBODY: 0x62, // 'b'
  CONTINUE: 0x63, // 'c'
  DISCARD: 0x64, // 'd'
  CHGFROM: 0x65, // 'e'
  ADDHEADER: 0x68, // 'h'
  INSHEADER: 0x69, // 'i'
  CHGHEADER: 0x6d, // 'm'
  PROGRESS: 0x70, // 'p'
  QUARANTINE: 0x71, // 'q'
  REJECT: 0x72, // 'r'
  SKIP: 0x73, // 's'
  TEMPFAIL: 0x74, // 't'
  REPLYCODE: 0x79, // 'y'
} as const;

/** SMFIF_*: modifications a filter may make, offered by the MTA and chosen by the filter. */
export const SMFIF = {
  ADDHDRS: 0x001,
  CHGBODY: 0x002,
  ADDRCPT: 0x004,
  DELRCPT: 0x008,
  CHGHDRS: 0x010,
  QUARANTINE: 0x020,
  CHGFROM: 0x040,
  ADDRCPT_PAR: 0x080,
  SETSYMLIST: 0x100,
} as const;

/** SMFIP_*: steps the filter does not want (NO*), events it will not answer (NR_*), and capability bits. */
export const SMFIP = {
  NOCONNECT: 0x000001,
  NOHELO: 0x000002,
  NOMAIL: 0x000004,
  NORCPT: 0x000008,
  NOBODY: 0x000010,
  NOHDRS: 0x000020,
  NOEOH: 0x000040,
  NR_HDR: 0x000080,
  NOUNKNOWN: 0x000100,
  NODATA: 0x000200,
  SKIP: 0x000400,
  RCPT_REJ: 0x000800,
  NR_CONN: 0x001000,
  NR_HELO: 0x002000,
  NR_MAIL: 0x004000,
  NR_RCPT: 0x008000,
  NR_DATA: 0x010000,
  NR_UNKN: 0x020000,
  NR_EOH: 0x040000,
  NR_BODY: 0x080000,
  HDR_LEADSPC: 0x100000,
  MDS_256K: 0x10000000,
  MDS_1M: 0x20000000,
} as const;

/** The protocol version this filter speaks; older MTAs get their own version back. */
export const MILTER_VERSION = 6;
/** Oldest MTA version answered (libmilter's minimum as well). */
export const MIN_MILTER_VERSION = 2;
/** What a version-1 MTA (zero in OPTNEG) implicitly offers. */
export const V1_ACTIONS = 0x0f;
export const V1_PROTOCOL = 0x3f;

/** Largest payload a filter may send without MDS negotiation (libmilter's MILTER_MAX_DATA_SIZE). */
export const MAX_REPLY_PAYLOAD_BYTES = 65_535;
