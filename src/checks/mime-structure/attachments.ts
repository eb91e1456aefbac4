// Judges one attachment by name, declared Content-Type and content magic: dangerous types, double extensions, archives, disguises (RFC 2183 filenames).

import type { MimePart } from '../../mime/model.ts';
import { EXTENSION_MAGIC, isExecutableKind, sniff } from './magic.ts';

export type AttachmentFinding =
  | 'MIME_BAD_EXTENSION'
  | 'MIME_DOUBLE_BAD_EXTENSION'
  | 'MIME_ARCHIVE_IN_MESSAGE'
  | 'MIME_TYPE_EXT_MISMATCH'
  | 'MIME_MAGIC_MISMATCH'
  | 'MIME_HIDDEN_EXECUTABLE';

export interface AttachmentLists {
  bad: ReadonlySet<string>;
  archive: ReadonlySet<string>;
}

/** Extensions people actually send documents with; one of them before a bad extension is a lure. */
const LURE_EXTENSIONS = new Set([
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'rtf', 'txt', 'csv', 'odt',
  'jpg', 'jpeg', 'png', 'gif', 'bmp', 'tif', 'tiff', 'htm', 'html', 'zip', 'rar', 'mp3', 'mp4', 'avi', 'wav',
]);

/** Declared types that say "I don't know": never a mismatch. */
const GENERIC_TYPES = new Set([
  'application/octet-stream', 'application/unknown', 'application/x-unknown', 'binary/octet-stream',
  'application/download', 'application/force-download', 'application/binary', 'application/x-download',
]);

type Family = 'image' | 'audio' | 'video' | 'pdf' | 'archive' | 'office' | 'executable' | 'text' | 'html';

const TYPE_FAMILIES: Readonly<Record<string, Family>> = {
  'application/pdf': 'pdf', 'application/x-pdf': 'pdf',
  'application/zip': 'archive', 'application/x-zip': 'archive', 'application/x-zip-compressed': 'archive',
  'application/x-rar-compressed': 'archive', 'application/vnd.rar': 'archive', 'application/x-7z-compressed': 'archive',
  'application/gzip': 'archive', 'application/x-gzip': 'archive', 'application/x-tar': 'archive',
  'application/msword': 'office', 'application/vnd.ms-excel': 'office', 'application/vnd.ms-powerpoint': 'office',
  'application/rtf': 'office', 'text/rtf': 'office',
  'application/x-msdownload': 'executable', 'application/x-msdos-program': 'executable', 'application/x-dosexec': 'executable',
  'application/x-executable': 'executable', 'application/exe': 'executable', 'application/x-exe': 'executable',
  'application/java-archive': 'executable', 'application/x-java-archive': 'executable',
  'text/html': 'html',
};

const EXT_FAMILIES: Readonly<Record<string, Family>> = {
  jpg: 'image', jpeg: 'image', jpe: 'image', png: 'image', gif: 'image', bmp: 'image', tif: 'image', tiff: 'image', webp: 'image',
  mp3: 'audio', wav: 'audio', ogg: 'audio', m4a: 'audio',
  mp4: 'video', avi: 'video', mov: 'video', mpg: 'video', mpeg: 'video', wmv: 'video',
  pdf: 'pdf',
  zip: 'archive', rar: 'archive', '7z': 'archive', gz: 'archive', tgz: 'archive', tar: 'archive',
  doc: 'office', docx: 'office', xls: 'office', xlsx: 'office', ppt: 'office', pptx: 'office', rtf: 'office',
  odt: 'office', ods: 'office', odp: 'office',
  exe: 'executable', scr: 'executable', pif: 'executable', com: 'executable', dll: 'executable', jar: 'executable',
  txt: 'text', csv: 'text',
  htm: 'html', html: 'html',
};

function typeFamily(contentType: string): Family | undefined {
  const direct = TYPE_FAMILIES[contentType];
  if (direct) return direct;
  if (contentType.startsWith('image/')) return 'image';
  if (contentType.startsWith('audio/')) return 'audio';
  if (contentType.startsWith('video/')) return 'video';
  if (contentType.startsWith('application/vnd.openxmlformats-officedocument.')) return 'office';
  if (contentType.startsWith('application/vnd.oasis.opendocument.')) return 'office';
  if (contentType.startsWith('application/vnd.ms-')) return 'office';
  if (contentType === 'text/plain') return 'text';
  return undefined;
}

/** Families a sender may mix up honestly: OOXML/ODF documents are zip files, HTML is text. */
function compatible(a: Family, b: Family): boolean {
  const pair = a < b ? `${a}+${b}` : `${b}+${a}`;
  return pair === 'archive+office' || pair === 'html+text';
}

/** Extensions of `filename`, outermost last, lower-cased; blanks padding a name (`a.pdf   .exe`) are ignored. */
export function extensionsOf(filename: string): string[] {
  const base = filename.replace(/^.*[\\/]/, '').trim().toLowerCase().replace(/[.\s]+$/, '');
  const pieces = base.split('.').map((p) => p.trim());
  return pieces.length > 1 ? pieces.slice(1).filter((p) => p.length > 0 && p.length <= 10) : [];
}

/** Findings for one attachment part, each with the option text to report. */
export function inspectAttachment(part: MimePart, lists: AttachmentLists): Array<[AttachmentFinding, string]> {
  const out: Array<[AttachmentFinding, string]> = [];
  const name = part.filename ?? '';
  const exts = extensionsOf(name);
  const ext = exts[exts.length - 1];
  const label = name || `part ${part.id}`;
  if (ext !== undefined && lists.bad.has(ext)) {
    out.push(['MIME_BAD_EXTENSION', label]);
    const inner = exts[exts.length - 2];
    if (inner !== undefined && LURE_EXTENSIONS.has(inner)) out.push(['MIME_DOUBLE_BAD_EXTENSION', label]);
  }
  if (ext !== undefined && lists.archive.has(ext)) out.push(['MIME_ARCHIVE_IN_MESSAGE', label]);

  if (ext !== undefined && !GENERIC_TYPES.has(part.contentType)) {
    const declared = typeFamily(part.contentType);
    const named = EXT_FAMILIES[ext];
    if (declared && named && declared !== named && !compatible(declared, named)) {
      out.push(['MIME_TYPE_EXT_MISMATCH', `${label}:${part.contentType}`]);
    }
  }

  const kind = sniff(part.head);
  if (kind !== undefined) {
    const allowed = ext !== undefined ? EXTENSION_MAGIC[ext] : undefined;
    const executableName = ext !== undefined && (lists.bad.has(ext) || EXT_FAMILIES[ext] === 'executable' || allowed?.includes(kind));
    if (isExecutableKind(kind) && !executableName) {
      out.push(['MIME_HIDDEN_EXECUTABLE', `${label}:${kind}`]);
    } else if (allowed && !allowed.includes(kind)) {
      out.push(['MIME_MAGIC_MISMATCH', `${label}:${kind}`]);
    }
  }
  return out;
}
