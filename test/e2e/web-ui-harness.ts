// Helpers of the web UI browser test: launching Debian's Chromium, test messages, polling the page, seeding history rows.

import { chromium, type Browser, type Page } from 'playwright-core';
import { openStore } from '../../src/storage/open-store.ts';
import type { HistoryEntry } from '../../src/storage/interfaces.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Flags the machines need: no sandbox as root, and no background calls to Google that the closed network refuses. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** How long a UI element may take to appear (a scan, a save, a refresh). */
export const UI_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 100;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Ordinary business prose: enough tokens to learn, no spam markers. */
export const PROSE =
  'Quarterly inventory reconciliation for the northern warehouse is attached. Please compare shelf counts with ' +
  'the ledger, flag discrepancies above five units, and return the signed sheet to logistics before Friday noon.';

let messageNo = 0;
/** A plain-text message with a unique Message-ID (learning the same one twice would be refused as already learned). */
export function eml(subject: string, from: string, body: string): string {
  messageNo++;
  return [
    `From: Sender <${from}>`,
    'To: user@example.org',
    `Subject: ${subject}`,
    `Message-ID: <web-ui-${process.pid}-${messageNo}@example.org>`,
    'Date: Mon, 02 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\n');
}

/** Polls `probe` until it returns true (the page's CSP forbids Playwright's string predicates, and tsc here has no DOM types). */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

/** The number in an element, as the page prints it (en-US digits). */
export async function numberIn(p: Page, selector: string): Promise<number> {
  const text = (await p.locator(selector).first().textContent()) ?? '';
  return Number(text.replace(/[^0-9.-]/g, ''));
}

/** Writes `rows` history entries ("Seeded message <i>", sender<i>@example.com) into the SQLite store of a daemon's data dir. */
export async function seedHistory(dataDir: string, rows: number, historySize: number): Promise<void> {
  const store = await openStore({ backend: 'sqlite', history_size: historySize }, { dataDir });
  try {
    const start = Date.now() / 1000 - 3_600;
    const entries: HistoryEntry[] = Array.from({ length: rows }, (_, i) => ({
      id: `seed-${i}`,
      unixTime: start + i * 0.1,
      clientIp: `198.51.100.${i % 250}`,
      senderSmtp: `sender${i}@example.com`,
      rcptSmtp: [`rcpt${i % 97}@example.org`],
      rcptMime: [],
      subject: `Seeded message ${i}`,
      score: (i % 200) / 10,
      requiredScore: 15,
      action: i % 10 === 0 ? 'reject' : 'no action',
      size: 1000,
      timeMs: 3,
      isSkipped: false,
      symbols: { SEEDED: { score: 0, options: [] } },
    }));
    await store.history.pushMany(entries);
  } finally {
    await store.close();
  }
}
