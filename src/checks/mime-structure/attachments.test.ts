// Table tests for attachment-name parsing and magic-number sniffing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extensionsOf } from './attachments.ts';
import { sniff, type MagicKind } from './magic.ts';

describe('extensionsOf', () => {
  const table: Array<[string, string[]]> = [
    ['report.pdf', ['pdf']],
    ['Invoice.PDF.exe', ['pdf', 'exe']],
    ['scan.jpg     .scr', ['jpg', 'scr']],
    ['archive.tar.gz', ['tar', 'gz']],
    ['C:\\Users\\me\\setup.exe', ['exe']],
    ['../../etc/passwd', []],
    ['README', []],
    ['trailing.dot.', ['dot']],
    ['.hidden', ['hidden']],
    ['weird.thisisnotanextension', []],
  ];
  for (const [name, want] of table) it(JSON.stringify(name), () => assert.deepEqual(extensionsOf(name), want));
});

describe('sniff', () => {
  const b = (...xs: Array<number | string>) =>
    Uint8Array.from(xs.flatMap((x) => (typeof x === 'string' ? [...x].map((c) => c.charCodeAt(0)) : [x])));
  const table: Array<[string, Uint8Array | undefined, MagicKind | undefined]> = [
    ['windows program', b('MZ', 0x90, 0), 'mz'],
    ['linux program', b(0x7f, 'ELF', 2, 1), 'elf'],
    ['zip', b('PK', 3, 4, 20), 'zip'],
    ['empty zip', b('PK', 5, 6, 0), 'zip'],
    ['pdf', b('%PDF-1.7'), 'pdf'],
    ['png', b(0x89, 'PNG', 13, 10, 26, 10), 'png'],
    ['jpeg', b(0xff, 0xd8, 0xff, 0xe1), 'jpeg'],
    ['gif', b('GIF89a'), 'gif'],
    ['rar', b('Rar!', 0x1a, 7, 0), 'rar'],
    ['7z', b(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c), '7z'],
    ['gzip', b(0x1f, 0x8b, 8), 'gzip'],
    ['ole2', b(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1), 'ole'],
    ['rtf', b('{\\rtf1\\ansi'), 'rtf'],
    ['text', b('Hello there'), undefined],
    ['too short for its signature', b('%PD'), undefined],
    ['nothing', undefined, undefined],
  ];
  for (const [name, head, want] of table) it(name, () => assert.equal(sniff(head), want));
});
