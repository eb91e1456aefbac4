// `winnow pw`: hashes a controller password for the config file (`controller.password` / `enable_password`).

import { Command } from 'commander';
import { hashPassword } from '../protocols/http/auth.ts';

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}

export function pwCommand(): Command {
  return new Command('pw')
    .description('hash a controller password; paste the output into controller.password or controller.enable_password')
    .option('-p, --password <text>', 'password to hash (default: first line of stdin)')
    .action(async (opts: { password?: string }) => {
      const password = opts.password ?? (await readStdinLine());
      if (!password) throw new Error('empty password: pass --password or pipe one line on stdin');
      process.stdout.write(`${await hashPassword(password)}\n`);
    });
}
