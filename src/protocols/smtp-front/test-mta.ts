// A tiny stand-in MTA for the front's socket tests: reads a PROXY header (v1 or v2), answers SMTP, records what it saw.

import { createServer, type Server } from 'node:net';
import { PROXY_V2_SIGNATURE } from './proxy-protocol.ts';

export interface MtaSession {
  /** The PROXY header: v1 text line, or `v2:` + hex of the whole binary header. */
  proxy: string;
  commands: string[];
  data: string;
}

export interface TestMta {
  port: number;
  sessions: MtaSession[];
  /** Recipients to refuse with 550. */
  refuse: Set<string>;
  close(): Promise<void>;
}

export async function startTestMta(opts: { proxy: boolean } = { proxy: true }): Promise<TestMta> {
  const sessions: MtaSession[] = [];
  const refuse = new Set<string>();
  const server: Server = createServer((sock) => {
    const s: MtaSession = { proxy: '', commands: [], data: '' };
    sessions.push(s);
    let buf = Buffer.alloc(0);
    let haveProxy = !opts.proxy;
    let inData = false;
    sock.on('error', () => undefined);
    const greet = () => sock.write('220 mta.test ESMTP fake\r\n');
    if (haveProxy) greet();
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!haveProxy) {
        if (buf.length >= 16 && buf.subarray(0, 12).equals(PROXY_V2_SIGNATURE)) {
          const len = 16 + buf.readUInt16BE(14);
          if (buf.length < len) return;
          s.proxy = `v2:${buf.subarray(0, len).toString('hex')}`;
          buf = buf.subarray(len);
        } else {
          const nl = buf.indexOf('\r\n');
          if (nl < 0) return;
          s.proxy = buf.subarray(0, nl).toString('latin1');
          buf = buf.subarray(nl + 2);
        }
        haveProxy = true;
        greet();
      }
      for (let nl = buf.indexOf('\r\n'); nl >= 0; nl = buf.indexOf('\r\n')) {
        const line = buf.subarray(0, nl).toString('latin1');
        buf = buf.subarray(nl + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            sock.write('250 2.0.0 Ok: queued as FAKE1\r\n');
          } else s.data += `${line}\n`;
          continue;
        }
        s.commands.push(line);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') sock.write('250-mta.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
        else if (verb === 'RCPT' && [...refuse].some((r) => line.includes(r))) sock.write('550 5.1.1 unknown user\r\n');
        else if (verb === 'DATA') {
          inData = true;
          sock.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (verb === 'QUIT') sock.end('221 2.0.0 Bye\r\n');
        else sock.write(`250 2.1.0 Ok ${verb}\r\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    sessions,
    refuse,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
