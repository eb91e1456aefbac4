// The real daemon's SMTP front with fetched list sources (file, http, exec; fetched by the primary on start, `winnow blacklist update`) and replies to local users' mail passing without greylisting.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtinChecks } from '../../src/checks/index.ts';
import { parseCache } from '../../src/checks/spamd/lists-cache.ts';
import { listsCachePath } from '../../src/checks/spamd/source-lists.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { MilterClient } from '../../src/protocols/milter/test-client.ts';
import { FrontClient } from '../../src/protocols/smtp-front/test-client.ts';
import { startTestMta, type TestMta } from '../../src/protocols/smtp-front/test-mta.ts';
import { openStore } from '../../src/storage/open-store.ts';
import { freePort, REPO_ROOT, startDaemon, type RunningDaemon } from '../support/daemon.ts';

const execFileAsync = promisify(execFile);

/** Short enough for whole tarpitted dialogues within the test, long enough to tell stutter from a plain reply. */
const STUTTER_MS = 10;
const HOSTNAME = 'front.winnow-test.invalid';
/** On the file source and on the http source's range. */
const BLACK_CLIENT = '127.0.0.9';
/** In the http source's range, but carved out by the exec white source after it: passed to the MTA. */
const CARVED_CLIENT = '127.0.0.8';
const GREY_CLIENT = '127.0.0.5';
const LOCAL_USER = 'alice@example.org';
const CORRESPONDENT = 'bob@remote.example';
/** Waiting for the first list fetch and for workers to load it. */
const LISTS_TIMEOUT_MS = 20_000;

let dir: string;
let daemon: RunningDaemon;
let mta: TestMta;
let web: Server;
let webHits = 0;
let webFails = false;
let frontPort: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'winnow-front-lists-'));
  writeFileSync(join(dir, 'local-black.txt'), `# local blacklist\n${BLACK_CLIENT} seen spamming\n`);
  web = createServer((req, res) => {
    webHits++;
    if (webFails || req.url !== '/list.txt') return void res.writeHead(webFails ? 503 : 404).end('nope');
    res.end('# web list\n127.0.0.8 - 127.0.0.11\n');
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  const webUrl = `http://127.0.0.1:${(web.address() as { port: number }).port}/list.txt`;
  mta = await startTestMta();
  frontPort = await freePort();
  daemon = await startDaemon({
    config: `
smtp_front:
  listen: ['127.0.0.1:${frontPort}']
  upstream: 127.0.0.1:${mta.port}
  hostname: ${HOSTNAME}
  stutter_delay_ms: ${STUTTER_MS}
  grey_stutter_s: 0
checks:
  spamd:
    sources:
      - { name: localbl, type: black, source: ${JSON.stringify(join(dir, 'local-black.txt'))}, message: "Your address %A is listed on localbl" }
      - { name: webbl, type: black, source: ${JSON.stringify(webUrl)}, message: "%A is on the web list\\nSee https://webbl.invalid/%A" }
      - { name: partners, type: white, source: "exec:printf '${CARVED_CLIENT}\\\\n'" }
`,
  });
});

after(async () => {
  await daemon?.stop();
  await mta?.close();
  web?.closeAllConnections();
  web?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function winnow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Asynchronous on purpose: the http source is served by this very process.
  return execFileAsync(process.execPath, [join(REPO_ROOT, 'bin/winnow.js'), ...args], { encoding: 'utf8', timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
}

/** A connection from `ip` whose banner came stuttered (many small packets): the client is tarpitted. Retries until the lists are loaded. */
async function tarpittedConnection(ip: string): Promise<FrontClient> {
  const deadline = Date.now() + LISTS_TIMEOUT_MS;
  for (;;) {
    const c = await FrontClient.connect(frontPort, '127.0.0.1', ip);
    const banner = await c.reply(30_000);
    assert.match(banner.text, /^220 /);
    if (c.arrivals.length > banner.text.length / 2) return c;
    // Greylisted for now (the banner came in one piece): nothing was recorded before RCPT, so just try again.
    c.close();
    if (Date.now() > deadline) throw new Error(`${ip} was never tarpitted within ${LISTS_TIMEOUT_MS} ms`);
    await sleep(200);
  }
}

test('list sources: fetched by the primary on start; a listed client is tarpitted with the lists\' messages; a carved-out one goes to the MTA; winnow blacklist update prints per-source counts', async () => {
  const updated = await daemon.waitForLog(/^spamd lists updated/, LISTS_TIMEOUT_MS);
  assert.equal(updated.role, 'primary', 'one process fetches');
  assert.ok(webHits >= 1, 'the http source was fetched');

  const t0 = performance.now();
  const black = await tarpittedConnection(BLACK_CLIENT);
  assert.match((await black.command('EHLO spam.example', 30_000)).text, /^250 Hello, spam sender/);
  assert.equal((await black.command('MAIL FROM:<spammer@spam.example>', 30_000)).code, 250);
  assert.equal((await black.command('RCPT TO:<bob@example.org>', 30_000)).code, 250);
  assert.equal((await black.command('DATA', 30_000)).text, '354 Enter spam, end with "." on a line by itself');
  black.send('Subject: buy\r\n\r\nnow\r\n.');
  const refusal = await black.reply(30_000);
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(refusal.lines, [
    `450-Your address ${BLACK_CLIENT} is listed on localbl`,
    `450-${BLACK_CLIENT} is on the web list`,
    `450 See https://webbl.invalid/${BLACK_CLIENT}`,
  ]);
  await black.closed;
  // Every character of every reply went out one per STUTTER_MS.
  const chars = black.received.length;
  assert.ok(seconds >= (chars * STUTTER_MS * 0.7) / 1000, `${chars} characters took ${seconds.toFixed(2)} s`);
  assert.ok(!mta.sessions.some((s) => s.proxy.includes(` ${BLACK_CLIENT} `)), 'the MTA never heard of the blacklisted client');

  // The white exec source after webbl removed 127.0.0.8 from it: whitelisted, spliced to the MTA from the first byte.
  const carved = await FrontClient.connect(frontPort, '127.0.0.1', CARVED_CLIENT);
  assert.equal((await carved.reply()).text, '220 mta.test ESMTP fake');
  assert.equal((await carved.command('QUIT')).code, 221);
  await carved.closed;
  assert.match(mta.sessions.at(-1)?.proxy ?? '', new RegExp(`^PROXY TCP4 ${CARVED_CLIENT.replace(/\./g, '\\.')} 127\\.0\\.0\\.1 \\d+ ${frontPort}$`));

  const cachePath = listsCachePath(daemon.dataDir);
  const update = await winnow('blacklist', 'update', '--config', daemon.configPath);
  assert.equal(update.code, 0, update.stderr);
  assert.deepEqual(update.stdout.trim().split('\n'), [
    'localbl (black): 1 network(s)',
    // 127.0.0.8/30 minus 127.0.0.8: 127.0.0.9/32 and 127.0.0.10/31.
    'webbl (black): 1 network(s) (2 after the white sources)',
    'partners (white): 1 network(s)',
    `written to ${cachePath}`,
  ]);

  // A failing source keeps its previous list; the command says so and exits 1.
  webFails = true;
  const failed = await winnow('blacklist', 'update', '--config', daemon.configPath);
  webFails = false;
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stdout, /^webbl \(black\): 1 network\(s\) \(2 after the white sources\); FAILED: HTTP 503 Service Unavailable \(previous list kept\)$/m);
  const webbl = parseCache(readFileSync(cachePath, 'utf8')).sources.find((s) => s.name === 'webbl');
  assert.deepEqual([webbl?.raw, webbl?.effective], [['127.0.0.8/30'], ['127.0.0.9/32', '127.0.0.10/31']]);
});

test('replies: after alice (authenticated, through the milter) mails bob, bob\'s server is spliced to the MTA at once, and not whitelisted', async () => {
  const milterPort = Number(daemon.listeners.milter.split(':').at(-1));
  const milter = await MilterClient.session({ host: '127.0.0.1', port: milterPort }, '198.51.100.20', 'laptop.example.org');
  const sent = await milter.transaction({
    from: LOCAL_USER,
    rcpts: [CORRESPONDENT],
    mailMacros: { '{auth_authen}': 'alice' },
    queueId: '4QREPLY1',
    headers: [
      ['From', `Alice <${LOCAL_USER}>`],
      ['To', `Bob <${CORRESPONDENT}>`],
      ['Subject', 'Lunch on Friday?'],
      ['Date', 'Tue, 04 Mar 2025 10:00:00 +0000'],
      ['Message-ID', '<lunch.friday@example.org>'],
    ],
    body: 'Hi Bob,\r\nlunch on Friday?\r\nAlice\r\n',
  });
  assert.equal(sent.final.type, 'accept', JSON.stringify(sent));
  milter.quit();

  // The correspondent is recorded after the verdict (the spamd-replies check's after-scan work), in the shared store.
  const config = loadConfigFile(daemon.configPath, builtinChecks);
  const store = await openStore(config.file.store, { dataDir: config.dataDir });
  try {
    const deadline = Date.now() + 10_000;
    while (!(await store.spamd.replyExpected(CORRESPONDENT, LOCAL_USER, Date.now()))) {
      if (Date.now() > deadline) throw new Error('the reply was never expected');
      await sleep(50);
    }
  } finally {
    await store.close();
  }

  const sessionsBefore = mta.sessions.length;
  const reply = await FrontClient.connect(frontPort, '127.0.0.1', GREY_CLIENT);
  assert.match((await reply.reply()).text, new RegExp(`^220 ${HOSTNAME.replace(/\./g, '\\.')} ESMTP `), 'an unknown client: the fake dialogue');
  assert.equal((await reply.command('EHLO mx.remote.example')).text, '250 Hello, spam sender. Pleased to be wasting your time.');
  assert.equal((await reply.command(`MAIL FROM:<${CORRESPONDENT}>`)).code, 250);
  assert.equal((await reply.command(`RCPT TO:<${LOCAL_USER}>`)).text, '250 2.1.0 Ok RCPT', 'the MTA answered the RCPT: handed over at once');
  assert.equal((await reply.command('DATA')).code, 354);
  reply.send('Subject: Re: Lunch on Friday?\r\n\r\nSure!\r\n.');
  assert.equal((await reply.reply()).text, '250 2.0.0 Ok: queued as FAKE1');
  assert.equal((await reply.command('QUIT')).code, 221);
  await reply.closed;
  const handed = mta.sessions.slice(sessionsBefore);
  assert.equal(handed.length, 1);
  assert.match(handed[0].proxy, new RegExp(`^PROXY TCP4 ${GREY_CLIENT.replace(/\./g, '\\.')} `));
  assert.deepEqual(handed[0].commands.slice(0, 3), ['EHLO mx.remote.example', `MAIL FROM:<${CORRESPONDENT}>`, `RCPT TO:<${LOCAL_USER}>`]);
  assert.match(handed[0].data, /Sure!/);

  // Anyone else from the same server is still greylisted: the reply did not whitelist the IP.
  const other = await FrontClient.connect(frontPort, '127.0.0.1', GREY_CLIENT);
  await other.reply();
  await other.command('EHLO mx.remote.example');
  await other.command('MAIL FROM:<mallory@remote.example>');
  assert.equal((await other.command(`RCPT TO:<${LOCAL_USER}>`)).text, '250 This is hurting you more than it is hurting me.');
  assert.equal((await other.command('DATA')).text, '451 Temporary failure, please try again later.');
  await other.closed;

  const db = await winnow('db', '--config', daemon.configPath);
  assert.equal(db.code, 0, db.stderr);
  const lines = db.stdout.trim().split('\n');
  assert.deepEqual(lines.filter((l) => l.startsWith(`WHITE|${GREY_CLIENT}|`)), [], db.stdout);
  const grey = lines.filter((l) => l.startsWith(`GREY|${GREY_CLIENT}|`));
  assert.deepEqual(grey.map((l) => l.split('|').slice(2, 5)), [['mx.remote.example', '<mallory@remote.example>', `<${LOCAL_USER}>`]], 'only the non-reply left a GREY tuple');
});
