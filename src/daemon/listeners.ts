// The daemon's listeners: each is a named server factory plus the addresses config gives it; later protocols add entries here.

import type { Server } from 'node:net';
import type { App } from './app.ts';
import { createHttpServer } from '../protocols/http/listen.ts';
import { createScanHandler } from '../protocols/http/scan-handler.ts';
import { createControllerHandler } from '../protocols/http/controller-handler.ts';

export interface ListenerSpec {
  name: string;
  enabled: boolean;
  listen: readonly string[];
  createServer(app: App): Server;
}

export function listenerSpecs(app: App): ListenerSpec[] {
  const f = app.config.file;
  return [
    {
      name: 'http',
      enabled: f.http.enabled,
      listen: f.http.listen,
      createServer: (a) => createHttpServer(createScanHandler({ scanner: a.scanner, log: a.log, maxMessageBytes: f.http.max_message_size })),
    },
    {
      name: 'controller',
      enabled: f.controller.enabled,
      listen: f.controller.listen,
      createServer: (a) =>
        createHttpServer(
          createControllerHandler({
            scanner: a.scanner,
            store: a.store,
            log: a.log,
            recorder: a.recorder,
            maxMessageBytes: f.http.max_message_size,
            auth: { password: f.controller.password, enablePassword: f.controller.enable_password, secureIp: f.controller.secure_ip },
          }),
        ),
    },
  ];
}
