#!/usr/bin/env node
// Entry point of the `winnow` command: runs the TypeScript CLI directly on Node >= 22.18, or re-executes under the pinned Node 24.

import { spawn } from 'node:child_process';
import module from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const mainUrl = new URL('../src/cli/main.ts', import.meta.url);
const [major, minor] = process.versions.node.split('.').map(Number);
const stripsTypes = major >= 23 || (major === 22 && minor >= 18);

if (stripsTypes) {
  // V8's code cache on disk (Node >= 22.1) halves start-up, which dominates one-message commands such as a procmail classify.
  module.enableCompileCache?.();
  const { main } = await import(mainUrl.href);
  await main(process.argv);
} else {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    process.stderr.write(`winnow needs Node.js >= 22.18 (this is ${process.version}); run 'npm install' to get the pinned Node 24.\n`);
    process.exit(3);
  }
  const child = spawn(pinned, [fileURLToPath(mainUrl), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
