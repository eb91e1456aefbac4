// Builds the SMTP front from the `smtp_front:` config block: one shared context (stutter timer, limits, TLS, nftables) per process.

import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from '../../core/context.ts';
import { parseListenAddress } from '../../net/listen-address.ts';
import { ScanFailSafe } from '../fail-safe.ts';
import { maxBlackOf, type SmtpFrontConfig } from './config.ts';
import { NftSync } from './nftables.ts';
import { createSmtpFrontServer, drainSmtpFrontServer, frontState, type FrontState } from './server.ts';
import type { FrontMode, FrontScanner } from './session.ts';
import { Stutterer } from './stutter.ts';

function loadTls(tls: SmtpFrontConfig['tls'], configDir: string): SecureContext | undefined {
  if (!tls) return undefined;
  const read = (what: string, path: string) => {
    try {
      return readFileSync(resolve(configDir, path));
    } catch (err) {
      throw new Error(`smtp_front.tls.${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
  };
  try {
    return createSecureContext({ cert: read('cert', tls.cert), key: read('key', tls.key) });
  } catch (err) {
    if ((err as Error).message.startsWith('smtp_front.tls')) throw err;
    throw new Error(`smtp_front.tls: the certificate and key do not load: ${(err as Error).message}`, { cause: err });
  }
}

export interface SmtpFrontFactory {
  create(scanner: FrontScanner): Server;
  drain(server: Server): Promise<void>;
  readonly state: FrontState | undefined;
}

/** One context per process: every listen address shares the stutter timer, the limits and the nftables batcher. */
export function smtpFrontFactory(c: SmtpFrontConfig, log: Logger, configDir: string): SmtpFrontFactory {
  let state: FrontState | undefined;
  let open = 0;
  const setup = (scanner: FrontScanner): FrontState => {
    const failSafe = new ScanFailSafe<FrontMode>({ protocol: 'smtp-front', action: 'pass', failReply: 'pass', refuses: false, log });
    return frontState(
      {
        scanner,
        log,
        failSafe,
        settings: { checksEnabled: [...c.checks] },
        hostname: c.hostname ?? osHostname(),
        bannerName: c.banner_name,
        upstream: parseListenAddress(c.upstream),
        proxyProtocol: c.proxy_protocol,
        blacklistCode: c.blacklist_code,
        greyStutterMs: c.grey_stutter_s * 1000,
        maxBlack: maxBlackOf(c),
        idleTimeoutMs: c.idle_timeout,
        stutterer: new Stutterer(c.stutter_delay_ms),
        secureContext: loadTls(c.tls, configDir),
        nft: c.nftables.enabled ? new NftSync(c.nftables, log) : undefined,
        counters: { black: 0 },
      },
      { maxConnections: c.max_connections, maxPerIp: c.max_per_ip },
    );
  };
  return {
    get state() {
      return state;
    },
    create(scanner) {
      state ??= setup(scanner);
      open++;
      return createSmtpFrontServer(state);
    },
    async drain(server) {
      await drainSmtpFrontServer(server);
      if (--open === 0 && state) {
        state.ctx.stutterer.close();
        await state.ctx.nft?.flush();
        state.ctx.nft?.close();
      }
    },
  };
}
