// Profiling aid: the policy path without sockets (framing → mapPolicyRequest → scan → reply line), new triplets only, 8 requests in flight; prints CPU µs per request.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { builtinChecks } from '../../src/checks/index.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { createApp } from '../../src/daemon/app.ts';
import { createLogger } from '../../src/log/logger.ts';
import { PolicyFramer } from '../../src/protocols/policy/framing.ts';
import { mapPolicyRequest } from '../../src/protocols/policy/request.ts';
import { policyAction, replyLine } from '../../src/protocols/policy/reply.ts';
import { encodeRequest } from '../../src/protocols/policy/test-client.ts';
import { intArg } from '../lib/args.ts';
import { makeTempDir } from '../lib/processes.ts';
import { triplets } from './load.ts';
import { deleteRedisKeys } from './redis-keys.ts';

const IN_FLIGHT = 8;

const { values } = parseArgs({ options: { store: { type: 'string' }, checks: { type: 'string' }, requests: { type: 'string' }, rounds: { type: 'string' } } });
const dir = makeTempDir('winnow-bench-scanloop-');
const prefix = `winnow-bench-scanloop-${process.pid}:`;
const configPath = join(dir, 'winnow.yaml');
writeFileSync(
  configPath,
  stringify({
    data_dir: join(dir, 'data'),
    store: values.store === 'redis' ? { backend: 'redis', host: '127.0.0.1', port: 6379, prefix } : { backend: 'sqlite' },
    dns: { servers: ['127.0.0.1:9'] },
    settings: { bench_policy: { checks_enabled: values.checks === 'none' ? [] : ['greylist'] } },
    checks: { greylist: { enabled: true, delay_s: 1 } },
  }),
);
const app = await createApp(loadConfigFile(configPath, builtinChecks), createLogger('warn'), { record: true });
const requests = intArg('requests', values.requests, 20000, 1);
const framer = new PolicyFramer();

async function round(salt: string): Promise<void> {
  const encoded = triplets(requests, salt).map((r) => Buffer.from(encodeRequest(r)));
  let cursor = 0;
  let bytes = 0;
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (cursor < encoded.length) {
        const [attrs] = framer.feed(encoded[cursor++]);
        const mapped = mapPolicyRequest(attrs, 'bench_policy');
        if (!mapped.ok) throw new Error(mapped.reason);
        const result = await app.scanner.scan(mapped.request);
        bytes += replyLine(policyAction(result)).length;
      }
    }),
  );
  const u = process.cpuUsage(u0);
  const ms = performance.now() - t0;
  console.log(`${requests} requests: ${((u.user + u.system) / requests).toFixed(1)} µs CPU/req (user ${(u.user / requests).toFixed(1)}), ${((ms * 1000) / requests).toFixed(1)} µs wall/req, ${bytes} reply bytes`);
}

for (let r = 0; r < intArg('rounds', values.rounds, 5, 1); r++) await round(`${Date.now().toString(36)}r${r}`);
await app.close();
if (values.store === 'redis') console.log(`redis: deleted ${await deleteRedisKeys(prefix)} keys under ${prefix}`);
