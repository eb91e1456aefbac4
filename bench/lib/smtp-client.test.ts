// Tests of the SMTP client's DATA encoding (RFC 5321 §4.5.2) and of a whole pipelined session against a scripted loopback server.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { encodeData, SmtpSession } from './smtp-client.ts';

describe('encodeData', () => {
  const table: [string, string, string][] = [
    ['bare LF becomes CRLF', 'Subject: a\n\nbody\n', 'Subject: a\r\n\r\nbody\r\n.\r\n'],
    ['CRLF stays', 'Subject: a\r\n\r\nbody\r\n', 'Subject: a\r\n\r\nbody\r\n.\r\n'],
    ['a missing final line end is added', 'Subject: a\n\nbody', 'Subject: a\r\n\r\nbody\r\n.\r\n'],
    ['leading dots are doubled, others kept', 'S: a\n\n.\n..x\na.b\n', 'S: a\r\n\r\n..\r\n...x\r\na.b\r\n.\r\n'],
  ];
  for (const [name, input, want] of table) it(name, () => assert.equal(encodeData(Buffer.from(input)).toString('latin1'), want));

  it('keeps 8-bit bytes as they are', () => {
    const bytes = Buffer.from([0x53, 0x3a, 0x20, 0xe9, 0xff, 0x0a]);
    assert.deepEqual([...encodeData(bytes)], [0x53, 0x3a, 0x20, 0xe9, 0xff, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]);
  });
});

describe('SmtpSession', () => {
  it('pipelines MAIL/RCPT/DATA, reads multi-line replies, and reports refusals', async () => {
    const received: string[] = [];
    const server = createServer((sock) => {
      sock.setEncoding('latin1');
      sock.write('220 test ESMTP\r\n');
      let buf = '';
      let inData = false;
      sock.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\r\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 2);
          received.push(line);
          if (inData) {
            if (line === '.') {
              inData = false;
              sock.write('550-5.7.1 first line\r\n550 5.7.1 Refused\r\n');
            }
            continue;
          }
          if (line.startsWith('EHLO')) sock.write('250-test\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
          else if (line.startsWith('MAIL')) sock.write('250 2.1.0 Ok\r\n');
          else if (line === 'RCPT TO:<bad@example.org>') sock.write('554 5.7.1 no\r\n');
          else if (line.startsWith('RCPT')) sock.write('250 2.1.5 Ok\r\n');
          else if (line === 'DATA') {
            inData = true;
            sock.write('354 go\r\n');
          } else if (line === 'QUIT') sock.end('221 bye\r\n');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const s = await SmtpSession.open({ host: '127.0.0.1', port });
      assert.equal(s.pipelining, true);
      const t = await s.send({ from: 'a@example.com', to: ['ok@example.org', 'bad@example.org'], data: Buffer.from('Subject: x\n\n.hi\n') });
      assert.equal(t.accepted, false);
      assert.equal(t.reply.code, 550);
      assert.deepEqual(t.reply.lines, ['5.7.1 first line', '5.7.1 Refused']);
      assert.deepEqual(t.envelope.map((r) => r.code), [250, 250, 554, 354]);
      await s.quit();
      assert.deepEqual(received, ['EHLO bench.winnow-test.invalid', 'MAIL FROM:<a@example.com>', 'RCPT TO:<ok@example.org>', 'RCPT TO:<bad@example.org>', 'DATA', 'Subject: x', '', '..hi', '.', 'QUIT']);
    } finally {
      server.close();
    }
  });
});
