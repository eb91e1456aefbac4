// Recognises file formats from their first bytes ("magic numbers") so an attachment's real type can be compared with its name.

export type MagicKind = 'mz' | 'elf' | 'zip' | 'pdf' | 'gif' | 'png' | 'jpeg' | 'rar' | '7z' | 'gzip' | 'ole' | 'rtf' | 'cab';

interface Signature {
  kind: MagicKind;
  /** Byte offset the signature starts at. */
  at: number;
  bytes: readonly number[];
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const SIGNATURES: readonly Signature[] = [
  { kind: 'mz', at: 0, bytes: ascii('MZ') },
  { kind: 'elf', at: 0, bytes: [0x7f, ...ascii('ELF')] },
  // Local file header, empty archive and spanned-archive markers.
  { kind: 'zip', at: 0, bytes: ascii('PK\x03\x04') },
  { kind: 'zip', at: 0, bytes: ascii('PK\x05\x06') },
  { kind: 'zip', at: 0, bytes: ascii('PK\x07\x08') },
  { kind: 'pdf', at: 0, bytes: ascii('%PDF-') },
  { kind: 'gif', at: 0, bytes: ascii('GIF8') },
  { kind: 'png', at: 0, bytes: [0x89, ...ascii('PNG\r\n\x1a\n')] },
  { kind: 'jpeg', at: 0, bytes: [0xff, 0xd8, 0xff] },
  { kind: 'rar', at: 0, bytes: ascii('Rar!\x1a\x07') },
  { kind: '7z', at: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { kind: 'gzip', at: 0, bytes: [0x1f, 0x8b] },
  // OLE2 compound file: .doc, .xls, .ppt, .msi, .msg.
  { kind: 'ole', at: 0, bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] },
  { kind: 'rtf', at: 0, bytes: ascii('{\\rtf') },
  { kind: 'cab', at: 0, bytes: ascii('MSCF') },
];

/** The format `head` starts with, or undefined when none is recognised. */
export function sniff(head: Uint8Array | undefined): MagicKind | undefined {
  if (!head) return undefined;
  for (const sig of SIGNATURES) {
    if (head.length < sig.at + sig.bytes.length) continue;
    let ok = true;
    for (let i = 0; i < sig.bytes.length && ok; i++) ok = head[sig.at + i] === sig.bytes[i];
    if (ok) return sig.kind;
  }
  return undefined;
}

/** Formats that run as programs when opened. */
export function isExecutableKind(kind: MagicKind): boolean {
  return kind === 'mz' || kind === 'elf';
}

/**
 * Which magic kinds a file extension may legitimately carry. Extensions not listed have no
 * expectation (a `.dat` can be anything), so only listed ones can mismatch.
 */
export const EXTENSION_MAGIC: Readonly<Record<string, readonly MagicKind[]>> = {
  exe: ['mz'], dll: ['mz'], scr: ['mz'], pif: ['mz'], cpl: ['mz'], ocx: ['mz'], sys: ['mz'],
  pdf: ['pdf'],
  jpg: ['jpeg'], jpeg: ['jpeg'], jpe: ['jpeg'],
  png: ['png'],
  gif: ['gif'],
  zip: ['zip'],
  // Office Open XML, OpenDocument, Java and Android packages are zip containers.
  docx: ['zip'], xlsx: ['zip'], pptx: ['zip'], docm: ['zip'], xlsm: ['zip'], pptm: ['zip'],
  odt: ['zip'], ods: ['zip'], odp: ['zip'], jar: ['zip'], apk: ['zip'], epub: ['zip'],
  // Word happily saves RTF or OOXML under a .doc name.
  doc: ['ole', 'rtf', 'zip'], xls: ['ole', 'zip'], ppt: ['ole', 'zip'], msi: ['ole'], msg: ['ole'],
  rar: ['rar'],
  '7z': ['7z'],
  gz: ['gzip'], tgz: ['gzip'],
  rtf: ['rtf'],
  cab: ['cab'],
};
