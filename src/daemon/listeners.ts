// The daemon's listeners: each is a named server factory plus the addresses config gives it; later protocols add entries here.

import type { Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { App } from './app.ts';
import { closeServer, createHttpServer } from '../protocols/http/listen.ts';
import { createScanHandler } from '../protocols/http/scan-handler.ts';
import { createControllerHandler } from '../protocols/http/controller-handler.ts';
import { controllerDeps } from './controller-deps.ts';
import { createPolicyServer, drainPolicyServer } from '../protocols/policy/server.ts';
import { FailSafe } from '../protocols/policy/fail-safe.ts';
import { drainMilterServer } from '../protocols/milter/server.ts';
import { milterServerFactory } from '../protocols/milter/from-config.ts';
import { smtpFrontFactory } from '../protocols/smtp-front/from-config.ts';

export interface ListenerSpec {
  name: string;
  enabled: boolean;
  listen: readonly string[];
  createServer(app: App): Server;
  /** Stops accepting and resolves once the server's connections have finished (bounded by the protocol's grace). */
  drain(server: Server): Promise<void>;
}

export function listenerSpecs(app: App): ListenerSpec[] {
  const f = app.config.file;
  // One fail-safe per process, shared by every policy address, so an outage is logged once, not once per socket.
  const policyFailSafe = new FailSafe(f.policy.fail_action, app.log.child({ listener: 'policy' }));
  const milterServer = milterServerFactory(f.milter, app.log.child({ listener: 'milter' }));
  const smtpFront = smtpFrontFactory(f.smtp_front, app.log.child({ listener: 'smtp-front' }), app.config.dir);
  return [
    {
      name: 'http',
      enabled: f.http.enabled,
      listen: f.http.listen,
      createServer: (a) => createHttpServer(createScanHandler({ scanner: a.scanner, log: a.log, maxMessageBytes: f.http.max_message_size })),
      drain: (server) => closeServer(server as HttpServer),
    },
    {
      name: 'controller',
      enabled: f.controller.enabled,
      listen: f.controller.listen,
      createServer: (a) =>
        createHttpServer(
          createControllerHandler(controllerDeps(a)),
        ),
      drain: (server) => closeServer(server as HttpServer),
    },
    {
      name: 'policy',
      enabled: f.policy.enabled,
      listen: f.policy.listen,
      createServer: (a) =>
        createPolicyServer({
          scanner: a.scanner,
          log: a.log.child({ listener: 'policy' }),
          failSafe: policyFailSafe,
          protocolStates: f.policy.protocol_states,
          settingsId: f.policy.settings_id,
          scanTimeoutMs: f.policy.timeout_ms,
          idleTimeoutMs: f.policy.idle_timeout_ms,
        }),
      drain: (server) => drainPolicyServer(server),
    },
    {
      name: 'milter',
      enabled: f.milter.enabled,
      listen: f.milter.listen,
      createServer: (a) => milterServer(a.scanner),
      drain: (server) => drainMilterServer(server),
    },
    {
      name: 'smtp_front',
      enabled: f.smtp_front.enabled,
      listen: f.smtp_front.listen,
      createServer: (a) => smtpFront.create(a.scanner),
      drain: (server) => smtpFront.drain(server),
    },
  ];
}
