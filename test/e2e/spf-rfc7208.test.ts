// Conformance: the openspf RFC 7208 test suite, each scenario's zone data served by a real DNS server on loopback and asked through winnow's caching resolver.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkSpf } from '../../src/checks/spf/evaluate.ts';
import { dnsConfigSchema } from '../../src/dns/config.ts';
import { CachingResolver } from '../../src/dns/resolver.ts';
import { REPO_ROOT } from '../support/daemon.ts';
import { startDnsServer } from '../support/dns-server.ts';
import { loadSuite, RFC7208_SUITE_PATH, type SuiteCase } from '../fixtures/spf/rfc7208-suite.ts';

/** Per-try wait for the suite's TIMEOUT names: short, so the run stays quick, and one try only. */
const SUITE_DNS_TIMEOUT_MS = 300;
/** The evaluation budget must outlast one timed-out query, or a TIMEOUT would look like a spent budget. */
const SUITE_BUDGET_MS = 5_000;

/**
 * Known deviations: cases that cannot pass over real DNS through node's resolver (c-ares), with the reason. Each is
 * still run, and the test fails if one of them starts passing, so the list cannot go stale.
 */
const KNOWN_DEVIATIONS: Record<string, string> = {
  // The TXT answer holds one record with no character-strings at all. RFC 1035 §3.3.14 requires at least one, and
  // c-ares rejects the whole answer (EBADRESP), so the record beside it is never seen: temperror, not pass.
  'null-text': 'c-ares rejects a TXT RR with zero character-strings (EBADRESP)',
  // The target names hold ':' and '/' (legal in a domain-spec, RFC 7208 §7.1). c-ares refuses to build a query for
  // such a name (EBADNAME), which our resolver reports as "no such name", so the a/mx term cannot match.
  'a-colon-domain': "c-ares refuses to query a name containing ':' or '/' (EBADNAME)",
  'a-colon-domain-ip4mapped': "c-ares refuses to query a name containing ':' or '/' (EBADNAME)",
  'mx-colon-domain': "c-ares refuses to query a name containing ':' or '/' (EBADNAME)",
  'mx-colon-domain-ip4mapped': "c-ares refuses to query a name containing ':' or '/' (EBADNAME)",
  // %% and %_ expand to '%' and ' ' inside the target name; c-ares refuses to query it (EBADNAME).
  'macro-mania-in-domain': "c-ares refuses to query a name containing '%' or a space (EBADNAME)",
  // Not a DNS limit: the suite wants %{ir} of an IPv6 client in upper-case nibbles (E.B.A.B...), which is how the
  // reference implementation prints them. RFC 7208 §7.4 shows them lower-case, and we follow the RFC; DNS names are
  // case-insensitive, so only the explanation text differs.
  'v-macro-ip6': 'suite expects upper-case IPv6 nibbles from %{i}; RFC 7208 §7.4 shows lower-case',
};

const EXPLANATION_DEFAULT = 'DEFAULT';

interface Outcome {
  ok: boolean;
  detail: string;
}

function judge(c: SuiteCase, result: string, explanation: string | undefined): Outcome {
  const resultOk = c.results.includes(result);
  const got = explanation ?? EXPLANATION_DEFAULT;
  const expOk = c.explanation === undefined || c.explanation === got;
  const detail = `${c.name} (${c.spec}): want ${c.results.join('|')}${c.explanation !== undefined ? ` exp=${JSON.stringify(c.explanation)}` : ''}, got ${result}${explanation !== undefined ? ` exp=${JSON.stringify(explanation)}` : ''}`;
  return { ok: resultOk && expOk, detail };
}

const present = existsSync(RFC7208_SUITE_PATH);
const figures: string[] = [];
let passed = 0;
let total = 0;

after(() => {
  if (total > 0) process.stdout.write(`# RFC 7208 suite: ${passed}/${total} pass\n${figures.map((f) => `#   ${f}`).join('\n')}\n`);
});

describe('openspf RFC 7208 suite', () => {
  const scenarios = present ? loadSuite() : [];
  test('the suite file holds the expected scenarios', () => {
    assert.ok(present, `${RFC7208_SUITE_PATH} is needed for this test: apt-get install python3-spf (.ci/run does)`);
    assert.equal(scenarios.length, 16);
    assert.equal(scenarios.reduce((n, s) => n + s.cases.length, 0), 203);
  });

  for (const scenario of scenarios) {
    test(scenario.description, async () => {
      const server = await startDnsServer(scenario.zones, { failures: scenario.failures });
      const dns = new CachingResolver(
        dnsConfigSchema.parse({ servers: [server.address], timeout_ms: SUITE_DNS_TIMEOUT_MS, tries: 1 }),
      );
      const failures: string[] = [];
      let ok = 0;
      try {
        for (const c of scenario.cases) {
          const out = await checkSpf({ ip: c.host, sender: c.mailfrom, helo: c.helo }, { dns, budgetMs: SUITE_BUDGET_MS, receiver: 'receiver.example' });
          const verdict = judge(c, out.result, out.explanation);
          const deviation = KNOWN_DEVIATIONS[c.name];
          if (verdict.ok && deviation === undefined) ok++;
          else if (!verdict.ok && deviation !== undefined) ok++;
          else if (verdict.ok) failures.push(`${c.name} passes now: remove it from KNOWN_DEVIATIONS`);
          else failures.push(verdict.detail);
        }
        // A TIMEOUT name that also holds records is served without the timeout (see rfc7208-suite.ts): prove that
        // nothing but the record types it holds was asked, so the missing timeout changed nothing.
        for (const [name, types] of Object.entries(scenario.partialTimeouts)) {
          const asked = server.queryCount(name);
          const answered = types.reduce((n, t) => n + server.queryCount(name, t), 0);
          assert.equal(asked, answered, `${name} was asked for types other than ${types.join(', ')}`);
        }
      } finally {
        dns.close();
        await server.close();
      }
      const deviations = scenario.cases.filter((c) => KNOWN_DEVIATIONS[c.name] !== undefined).length;
      figures.push(`${scenario.description}: ${ok - deviations}/${scenario.cases.length} pass${deviations ? `, ${deviations} known deviation(s)` : ''}`);
      passed += ok - deviations;
      total += scenario.cases.length;
      assert.deepEqual(failures, [], failures.join('\n'));
    });
  }
});

/** Runs `winnow` without blocking this process: the DNS server it asks lives here. */
async function winnow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin/winnow.js'), ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('winnow spf', () => {
  test('prints the result word first, then the details; exit 0 for any result, 2 for usage errors', async () => {
    const server = await startDnsServer({
      'example.org': { TXT: ['v=spf1 a:mail.example.org -all exp=why.example.org'] },
      'mail.example.org': { A: ['192.0.2.25'] },
      'why.example.org': { TXT: ['%{i} is not a mail server of %{d}'] },
      'helo.example.org': { TXT: ['v=spf1 ip6:2001:db8::/32 ~all'] },
    });
    try {
      const dns = ['--dns', server.address, '--receiver', 'mx.test'];
      const pass = await winnow(['spf', '--ip', '192.0.2.25', '--helo', 'x.example.org', '--sender', 'a@example.org', ...dns]);
      assert.equal(pass.code, 0, pass.stderr);
      assert.deepEqual(pass.stdout.split('\n').slice(0, 4), ['pass', 'identity: mailfrom a@example.org', 'domain: example.org', 'mechanism: a:mail.example.org']);
      const fail = await winnow(['spf', '--ip', '192.0.2.99', '--sender', 'a@example.org', ...dns]);
      assert.equal(fail.code, 0);
      assert.match(fail.stdout, /^fail\n/);
      assert.match(fail.stdout, /^explanation: 192\.0\.2\.99 is not a mail server of example\.org$/m);
      const helo = await winnow(['spf', '--ip', '2001:db8::1', '--helo', 'helo.example.org', '--sender', '', '--json', ...dns]);
      const parsed = JSON.parse(helo.stdout) as { result: string; identity: string; sender: string; receivedSpf: string };
      assert.deepEqual([parsed.result, parsed.identity, parsed.sender], ['pass', 'helo', 'postmaster@helo.example.org']);
      assert.match(parsed.receivedSpf, /^pass \(mx\.test: /);
      const usage = await winnow(['spf', '--ip', '300.1.1.1', '--sender', 'a@example.org']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /not an IPv4 or IPv6 address/);
      assert.equal((await winnow(['spf', '--ip', '192.0.2.1'])).code, 2, 'missing --sender');
    } finally {
      await server.close();
    }
  });
});
