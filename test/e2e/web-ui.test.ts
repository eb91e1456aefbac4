// The web UI in Debian's headless Chromium (driven by playwright-core) against a real daemon: login, every page, scan/learn, edits; screenshots kept.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, REPO_ROOT, startDaemon, type RunningDaemon } from '../support/daemon.ts';
import { hashPassword } from '../../src/protocols/http/password.ts';
import { PolicyClient } from '../../src/protocols/policy/test-client.ts';
import { CHROMIUM, eml, launchChromium, numberIn, PROSE, seedHistory, UI_TIMEOUT_MS, until } from './web-ui-harness.ts';

const READ_PW = 'look-but-do-not-touch';
const ENABLE_PW = 'change-all-the-things';
/** issue #7: the first visit transfers less than this. */
const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
/** A multimap symbol on a list file the test edits through the UI; its weight alone crosses add_header (6). */
const LIST_SYMBOL = 'T_UI_LISTED_SENDER';
const LIST_WEIGHT = 12;
const LISTED_SENDER = 'listed@example.net';
const GREY_CLIENT = '192.0.2.55';
/** issue #7: the history page stays responsive with this many entries. */
const HISTORY_ROWS = 10_000;
/** What "responsive" means here, for one page or one search as the user sees it (shared, loaded 2-core machine). */
const HISTORY_RESPONSE_BUDGET_MS = 2_000;

let dir: string;
let shots: string;
let shotNo = 0;
let listFile: string;
let policyPort: number;
let d: RunningDaemon;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const foreignRequests: string[] = [];

async function shot(p: Page, name: string): Promise<void> {
  const file = join(shots, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
}

async function newPage(c: BrowserContext): Promise<Page> {
  const p = await c.newPage();
  p.setDefaultTimeout(UI_TIMEOUT_MS);
  p.on('pageerror', (e) => pageErrors.push(String(e)));
  p.on('request', (r) => {
    if (!r.url().startsWith(d.controllerUrl) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
  });
  return p;
}

async function login(p: Page, password: string): Promise<void> {
  await p.goto(`${d.controllerUrl}/#/status`);
  const field = p.getByLabel('Password');
  await field.waitFor();
  await field.fill(password);
  // Keyboard only: Enter submits the form.
  await field.press('Enter');
  await p.getByTestId('access').waitFor();
}

async function go(p: Page, route: string, heading: string): Promise<void> {
  await p.getByRole('link', { name: heading, exact: true }).click();
  await p.waitForURL(`**/#/${route}`);
  await p.getByRole('heading', { level: 1, name: heading }).waitFor();
}

async function scanInUi(p: Page, message: string): Promise<{ action: string; score: number }> {
  await go(p, 'scan', 'Scan / Learn');
  await p.locator('#message').fill(message);
  const previous = p.locator('#result-title');
  if (await previous.count()) await previous.waitFor({ state: 'detached' }).catch(() => undefined);
  await p.getByRole('button', { name: 'Scan', exact: true }).click();
  await p.locator('#result-title').waitFor();
  const action = ((await p.locator('.explanation .verdict .badge').first().textContent()) ?? '').trim();
  return { action, score: await numberIn(p, '.explanation .verdict .score') };
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
  assert.ok(existsSync(join(REPO_ROOT, 'dist/web/index.html')), 'dist/web is missing: run npm run build:web');
  dir = mkdtempSync(join(tmpdir(), 'winnow-web-ui-'));
  shots = join(dir, 'screenshots');
  mkdirSync(shots);
  console.log(`web-ui screenshots: ${shots}`);
  listFile = join(dir, 'listed-senders.map');
  writeFileSync(listFile, '# senders the UI test lists\nblocked@example.com\n');
  policyPort = await freePort();
  const [readHash, enableHash] = await Promise.all([hashPassword(READ_PW), hashPassword(ENABLE_PW)]);
  d = await startDaemon({
    config: `
controller: { listen: ['127.0.0.1:${await freePort()}'], password: '${readHash}', enable_password: '${enableHash}', secure_ip: [] }
policy: { listen: ['127.0.0.1:${policyPort}'] }
store: { backend: sqlite, history_size: ${HISTORY_ROWS * 2} }
checks:
  spf: { enabled: false }   # no DNS here: SPF would answer temperror before greylisting
  bayes: { min_learns: 1 }  # one spam and one ham are enough for the explanation to show Bayes evidence
  multimap:
    maps:
      - { symbol: ${LIST_SYMBOL}, type: email, target: from, source: ${JSON.stringify(listFile)}, weight: ${LIST_WEIGHT}, description: 'Sender on the UI test list' }
`,
  });
  browser = await launchChromium();
  ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  page = await newPage(ctx);
});

after(async () => {
  await browser?.close();
  await d?.stop();
  // The screenshots stay for whoever looks at the run; the rest of the temp dir goes.
  if (dir) rmSync(listFile, { force: true });
});

describe('web UI in Chromium', () => {
  test('first load is small, same-origin only, compressed and cached', async () => {
    const fresh = await browser.newContext({ locale: 'en-US' });
    const p = await newPage(fresh);
    const encodings: Record<string, string | undefined> = {};
    p.on('response', (r) => {
      encodings[new URL(r.url()).pathname] = r.headers()['content-encoding'];
    });
    await p.goto(`${d.controllerUrl}/`);
    await p.getByLabel('Password').waitFor();
    const transferred = Number(
      await p.evaluate(
        "[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].filter((e) => !e.name.includes('/auth') && !e.name.includes('/api/')).reduce((s, e) => s + e.transferSize, 0)",
      ),
    );
    console.log(`web-ui first load: ${(transferred / 1024).toFixed(1)} KB transferred (index.html + assets, with headers)`);
    assert.ok(transferred > 0 && transferred < FIRST_LOAD_BUDGET_BYTES, `first load ${transferred} bytes`);
    const assets = Object.keys(encodings).filter((k) => k.startsWith('/assets/'));
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), JSON.stringify(encodings));
    for (const a of assets) assert.match(String(encodings[a]), /^(br|gzip)$/, `${a} sent compressed`);
    const js = await fetch(`${d.controllerUrl}${assets.find((a) => a.endsWith('.js'))}`, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${d.controllerUrl}/`)).headers.get('cache-control'), 'no-cache');
    await fresh.close();
  });

  test('missing session and wrong password are refused', async () => {
    // No cookie: the API refuses, and the page shows the login form instead of data.
    const res = await fetch(`${d.controllerUrl}/api/status`);
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: { code: string } };
    assert.match(body.error.code, /^ERR_/);
    await page.goto(`${d.controllerUrl}/#/status`);
    await page.getByLabel('Password').waitFor();
    assert.equal(await page.getByTestId('scanned').count(), 0);

    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Wrong password.').waitFor();
    assert.equal(await page.getByTestId('access').count(), 0);
    await shot(page, 'login-wrong-password');
  });

  test('the read password gives a read-only session', async () => {
    await login(page, READ_PW);
    assert.equal(await page.getByTestId('access').textContent(), 'read-only');
    await go(page, 'scan', 'Scan / Learn');
    assert.equal(await page.getByRole('button', { name: 'Learn as spam' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Password').waitFor();
  });

  test('status: figures of the running daemon, refreshed', async () => {
    await login(page, ENABLE_PW);
    assert.equal(await page.getByTestId('access').textContent(), 'full access');
    await page.getByTestId('scanned').waitFor();
    const before = await numberIn(page, '[data-testid=scanned]');
    assert.ok(Number.isFinite(before));
    assert.match((await page.getByTestId('store-health').textContent()) ?? '', /healthy/);
    // A scan through the scan port shows up on the next refresh without touching the page.
    await fetch(`${d.httpUrl}/checkv2`, { method: 'POST', body: eml('status probe', 'probe@example.com', PROSE) });
    await until('the scanned count to rise', async () => (await numberIn(page, '[data-testid=scanned]')) > before);
    await shot(page, 'status');
    const phone = await newPage(ctx);
    await phone.setViewportSize({ width: 375, height: 800 });
    await phone.goto(`${d.controllerUrl}/#/status`);
    await phone.getByTestId('scanned').waitFor();
    const overflow = Number(await phone.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    assert.ok(overflow <= 1, `no sideways scrolling at phone width (overflow ${overflow}px)`);
    await shot(phone, 'status-phone');
    await phone.close();
  });

  test('scan a pasted GTUBE message: reject, with its explanation', async () => {
    const r = await scanInUi(page, eml('GTUBE in the UI', 'gtube@example.com', `This is the GTUBE test.\n\n${GTUBE}\n`));
    assert.equal(r.action, 'reject');
    await page.locator('.symbols-table').getByText('GTUBE', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'What would have changed the action' }).waitFor();
    await shot(page, 'scan-gtube');
  });

  test('learn a message as spam: the learned count rises', async () => {
    await go(page, 'scan', 'Scan / Learn');
    await page.locator('#message').fill(eml('learn me', 'learner@example.com', `${PROSE}\n${PROSE.split(' ').reverse().join(' ')}`));
    await page.getByRole('button', { name: 'Learn as spam' }).click();
    await page.getByTestId('learn-after').waitFor();
    const before = await numberIn(page, '[data-testid=learn-before]');
    const afterCount = await numberIn(page, '[data-testid=learn-after]');
    assert.equal(afterCount, before + 1, (await page.getByTestId('learn-note').textContent()) ?? '');
    await shot(page, 'learned');
    await go(page, 'status', 'Status');
    await until('the status page to show the new learned count', async () => (await numberIn(page, '[data-testid=learned-spam]')) === afterCount);

    // With one ham learned too, the classifier has an opinion and the explanation shows its tokens.
    await go(page, 'scan', 'Scan / Learn');
    await page.locator('#message').fill(eml('learn me too', 'colleague@example.com', 'Lunch on Thursday? The canteen reopened after the renovation and the soup is back.'));
    await page.getByRole('button', { name: 'Learn as ham' }).click();
    await page.getByTestId('learn-after').waitFor();
    assert.match((await page.getByTestId('learn-note').textContent()) ?? '', /Learned as ham/);
    await scanInUi(page, eml('learned lookalike', 'learner@example.com', PROSE));
    await page.locator('.bayes-prob').waitFor();
    assert.ok((await page.locator('table.tokens tbody tr').count()) > 0, 'the tokens that weighed most are listed');
    await shot(page, 'scan-bayes');
  });

  test('edit a list: refused line named, saved list written and used by the next scan', async () => {
    await go(page, 'config', 'Configuration');
    const mapButton = page.locator('.map-list li').filter({ hasText: LIST_SYMBOL }).getByRole('button');
    await mapButton.click();
    const area = page.locator('.map-editor textarea');
    await area.waitFor();
    assert.match(await area.inputValue(), /blocked@example\.com/);
    await area.fill('blocked@example.com\n/unclosed(regex/\n');
    await page.getByRole('button', { name: 'Save list' }).click();
    await page.locator('.map-editor .field-error').getByText(/line 2/i).first().waitFor();
    assert.doesNotMatch(readFileSync(listFile, 'utf8'), /unclosed/, 'a refused list is never written');
    await shot(page, 'config-list-error');

    await area.fill(`blocked@example.com\n${LISTED_SENDER}\n`);
    await page.getByRole('button', { name: 'Save list' }).click();
    await page.getByText('Saved and reloaded.').waitFor();
    assert.match(readFileSync(listFile, 'utf8'), new RegExp(LISTED_SENDER.replace('.', '\\.')));

    const r = await scanInUi(page, eml('listed sender', LISTED_SENDER, PROSE));
    await page.locator('.symbols-table').getByText(LIST_SYMBOL, { exact: true }).waitFor();
    assert.ok(r.score >= LIST_WEIGHT - 3, `score ${r.score}`);
    assert.notEqual(r.action, 'reject');
  });

  test('change a threshold: out-of-order refused next to the field, valid one used by the next scan', async () => {
    await go(page, 'config', 'Configuration');
    const reject = page.getByLabel('reject', { exact: true });
    await reject.waitFor();
    await reject.fill('abc');
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await page.locator('#th-reject-err').getByText(/number/i).waitFor();

    // Below add_header (6): out of order, refused by the server, nothing written.
    const configBefore = readFileSync(d.configPath, 'utf8');
    await reject.fill('3');
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await page.locator('.form-grid .field-error[role=alert]').first().waitFor();
    assert.ok(((await page.locator('.form-grid .field-error[role=alert]').first().textContent()) ?? '').length > 0);
    assert.equal(readFileSync(d.configPath, 'utf8'), configBefore);
    await shot(page, 'config-threshold-error');

    await reject.fill('9');
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await page.getByText('Saved. New scans use these thresholds.').waitFor();
    await shot(page, 'config');
    const r = await scanInUi(page, eml('listed again', LISTED_SENDER, PROSE));
    assert.ok(r.score >= 9, `score ${r.score} reaches the new reject threshold`);
    assert.equal(r.action, 'reject');
  });

  test(`history stays responsive with ${HISTORY_ROWS} entries`, async () => {
    // Rows go straight into the daemon's store (a scan each would take minutes); the workers pick them up as new rows.
    await seedHistory(d.dataDir, HISTORY_ROWS, HISTORY_ROWS * 2);
    const timed = async (what: string, act: () => Promise<void>) => {
      const t0 = Date.now();
      await act();
      const ms = Date.now() - t0;
      console.log(`web-ui history (${HISTORY_ROWS} rows): ${what} in ${ms} ms`);
      assert.ok(ms < HISTORY_RESPONSE_BUDGET_MS, `${what} took ${ms} ms`);
    };
    await timed('first page shown', async () => {
      await go(page, 'history', 'History');
      await until('the seeded rows to be counted', async () => /of (10,0\d\d)$/.test(((await page.locator('.pager-pos').textContent().catch(() => '')) ?? '').trim()));
    });
    await timed('last page shown', async () => {
      await page.getByRole('button', { name: 'Last »' }).click();
      await until('the last page', async () => /^10,001–/.test(((await page.locator('.pager-pos').textContent()) ?? '').trim()));
      assert.ok((await page.locator('table.history tbody tr').count()) > 0);
    });
    await timed('search narrowed to one row', async () => {
      await page.getByRole('searchbox', { name: 'Search' }).fill('sender4242@');
      await until('one row', async () => (await page.locator('table.history tbody tr').count()) === 1 && (await page.getByText('Seeded message 4242').count()) === 1);
    });
    await shot(page, 'history-10000');
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
  });

  test('history: recent scans, search, and the explanation of one', async () => {
    await go(page, 'history', 'History');
    await page.getByRole('searchbox', { name: 'Search' }).fill('GTUBE in the UI');
    const explain = page.getByRole('button', { name: 'Explain: GTUBE in the UI' });
    await explain.waitFor();
    // The unfiltered page may still be on screen for a moment: wait for the server's filtered answer.
    await until('the search to narrow the table to one row', async () => (await page.locator('table.history tbody tr').count()) === 1);
    await explain.click();
    await page.locator('.panel .symbols-table').getByText('GTUBE', { exact: true }).waitFor();
    await shot(page, 'history-explanation');
  });

  test('symbols: a non-numeric weight is refused next to the field; a number is saved', async () => {
    await go(page, 'symbols', 'Symbols');
    await page.getByRole('searchbox', { name: 'Filter' }).fill(LIST_SYMBOL);
    const weight = page.getByLabel(`Weight of ${LIST_SYMBOL}`);
    await weight.fill('twelve');
    await weight.press('Enter');
    await page.locator(`#w-${LIST_SYMBOL}-err`).getByText(/not a number/i).waitFor();
    await weight.fill('4.5');
    await weight.press('Enter');
    await page.getByText('saved').waitFor();
    await shot(page, 'symbols');
    const symbols = (await (await fetch(`${d.controllerUrl}/symbols`, { headers: { Password: READ_PW } })).json()) as {
      rules: { symbol: string; weight: number }[];
    }[];
    assert.equal(symbols.flatMap((g) => g.rules).find((r) => r.symbol === LIST_SYMBOL)?.weight, 4.5);
  });

  test('greylist: a triplet from a policy request is listed and released', async () => {
    const policy = await PolicyClient.open({ host: '127.0.0.1', port: policyPort });
    const request = {
      request: 'smtpd_access_policy',
      protocol_state: 'RCPT',
      client_address: GREY_CLIENT,
      client_name: 'unknown',
      helo_name: 'grey.example',
      sender: 'grey@example.com',
      recipient: 'user@example.org',
    };
    try {
      assert.match(await policy.ask(request), /^DEFER_IF_PERMIT/);
      await go(page, 'greylist', 'Greylist');
      await page.getByRole('searchbox', { name: 'Search' }).fill(GREY_CLIENT.split('.').slice(0, 3).join('.'));
      const release = page.getByRole('button', { name: /^Release / }).first();
      await release.waitFor();
      await shot(page, 'greylist');
      await release.click();
      await page.getByText(/^Released: /).waitFor();
      assert.doesNotMatch(await policy.ask(request), /^DEFER/, 'released triplet passes');
      await shot(page, 'greylist-released');
    } finally {
      policy.close();
    }
  });

  test('throughput: the chart and the range selector', async () => {
    await go(page, 'throughput', 'Throughput');
    await page.locator('.chart canvas').waitFor();
    await page.getByRole('button', { name: 'Hour' }).click();
    await until('the Hour range to be selected', async () => (await page.getByRole('button', { name: 'Hour' }).getAttribute('aria-pressed')) === 'true');
    await page.locator('.chart canvas').waitFor();
    await shot(page, 'throughput');
  });

  test('logout ends the session: the old page asks for the password again', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Password').waitFor();
    await page.goto(`${d.controllerUrl}/#/history`);
    await page.getByLabel('Password').waitFor();
    assert.equal(await page.getByTestId('access').count(), 0);
  });

  test('no page errors and no request left the controller origin', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(foreignRequests, []);
  });
});
