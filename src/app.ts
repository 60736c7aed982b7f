import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { compose, type Composition } from './compose.js';
import type { Config } from './config.js';
import type { Clock } from './shared/clock.js';
import { accountsRoutes } from './features/accounts/accounts.routes.js';
import { UserSchema } from './features/accounts/accounts.schemas.js';
import { emailRoutes } from './features/accounts/email.routes.js';
import { instancesRoutes } from './features/admin/instances.routes.js';
import { settingsRoutes } from './features/admin/settings.routes.js';
import { statusRoutes } from './features/admin/status.routes.js';
import { adminUsersRoutes } from './features/admin/users.routes.js';
import { auditRoutes } from './features/audit/audit.routes.js';
import { filesRoutes } from './features/files/files.routes.js';
import { FileSchema } from './features/files/files.schemas.js';
import { duplicatesRoutes } from './features/files/duplicates.routes.js';
import { eventsRoutes } from './features/events/events.routes.js';
import { facesRoutes } from './features/faces/faces.routes.js';
import { peopleRoutes } from './features/people/people.routes.js';
import { healthRoutes } from './features/health/health.routes.js';
import { jobsRoutes } from './features/jobs/jobs.routes.js';
import { mailRoutes } from './features/mail/mail.routes.js';
import verifiedEmailGate from './features/mail/verified-email.js';
import { ErrorSchema } from './features/shared.schemas.js';
import { sharingRoutes } from './features/sharing/sharing.routes.js';
import { TokenSchema } from './features/tokens/tokens.schemas.js';
import { tokensRoutes } from './features/tokens/tokens.routes.js';
import access from './plugins/access.js';
import bodies from './plugins/bodies.js';
import errors from './plugins/errors.js';
import securityHeaders from './plugins/security-headers.js';
import requestLog from './plugins/request-log.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import { pageFallback, webPlugin } from './plugins/web.js';

export type { Backends, Composition } from './compose.js';

export interface AppOptions {
  config: Config;
  /** The time the app's expiry rules go by (compose.ts); the system clock unless a test gives one. */
  clock?: Clock;
  /** Hands the composition to whoever builds the app (buildComposedApp, for tests and tools). */
  onComposed?: (composition: Composition) => void;
}

/**
 * The app behind HTTP: the composition (compose.ts) and, over it, the cross-cutting plugins
 * and every feature's routes. Registered as a plugin by buildApp and by the tests.
 */
async function coffer(fastify: FastifyInstance, { config, clock, onComposed }: AppOptions): Promise<void> {
  const composition = await compose(config, fastify.log, { listeningPort: () => listeningPort(fastify), ...(clock ? { clock } : {}) });
  onComposed?.(composition);
  const { backends, instances, sessions, files, tokens, sharing, mail, accountMail, feedback, people, checks } = composition;
  // Registered once the port is known (and only by a listening server, not by inject()).
  fastify.addHook('onListen', async () => {
    await instances.start(listeningPort(fastify) ?? config.port);
  });
  fastify.addHook('onClose', () => composition.close());
  composition.start();

  // Hooks on every request take a callback where they never wait: an async hook costs a
  // promise and a turn of the microtask queue per request (plugins/bodies.ts, access.ts).
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id).header('X-Coffer-Instance', config.instanceId);
    done();
  });
  await fastify.register(requestLog);
  await fastify.register(errors, { pageFallback: pageFallback(config.webDir) });
  const currentStorageStatus = composition.storageStatus;
  if (config.metrics) {
    await fastify.register(metrics, { ...config.metrics, jobs: backends.jobs, checks, storageFreeBytes: async () => (await currentStorageStatus()).freeBytes });
  }
  await fastify.register(bodies, { bodyTimeoutMs: config.bodyTimeoutMs });
  // Pages and stored content set their own Content-Security-Policy.
  await fastify.register(securityHeaders, { contentSecurityPolicy: false, strictTransportSecurity: config.secureCookies });
  await fastify.register(fastifyCookie);
  await fastify.register(fastifyMultipart, { limits: { fileSize: config.maxUploadBytes } });
  await fastify.register(access, {
    authenticators: composition.authenticators,
    ...composition.accessRules,
    publicOrigin: config.publicUrl,
  });
  await fastify.register(verifiedEmailGate, { enabled: config.mail.requireEmailVerification });
  for (const schema of [ErrorSchema, UserSchema, FileSchema, TokenSchema]) fastify.addSchema(schema);
  await fastify.register(openapi);

  await fastify.register(healthRoutes, { checks, storageStatus: currentStorageStatus });
  await fastify.register(accountsRoutes, { prefix: '/api/v1', auth: composition.auth, sessions, secureCookies: config.secureCookies, maxUploadBytes: config.maxUploadBytes });
  await fastify.register(duplicatesRoutes, { prefix: '/api/v1', duplicates: composition.duplicates });
  await fastify.register(filesRoutes, { prefix: '/api/v1', files, maxUploadBytes: config.maxUploadBytes, uploadIdleTimeoutMs: config.uploadIdleTimeoutMs });
  await fastify.register(tokensRoutes, { prefix: '/api/v1', tokens });
  await fastify.register(adminUsersRoutes, { prefix: '/api/v1', users: composition.adminUsers });
  await fastify.register(instancesRoutes, { prefix: '/api/v1', instances });
  await fastify.register(settingsRoutes, { prefix: '/api/v1', settings: composition.settings });
  await fastify.register(statusRoutes, { prefix: '/api/v1', storageStatus: currentStorageStatus });
  await fastify.register(jobsRoutes, { prefix: '/api/v1', jobs: composition.jobsAdmin });
  await fastify.register(auditRoutes, { prefix: '/api/v1', auditEvents: composition.auditEvents });
  await fastify.register(sharingRoutes, { prefix: '/api/v1', sharing, files, publicUrl: composition.publicUrl });
  await fastify.register(emailRoutes, { prefix: '/api/v1', accountMail });
  await fastify.register(facesRoutes, { prefix: '/api/v1', people });
  await fastify.register(mailRoutes, { prefix: '/api/v1', mail, feedback, tokens });
  await fastify.register(peopleRoutes, {
    prefix: '/api/v1',
    notablePeople: composition.notablePeople,
    who: composition.who,
    maxPhotoBytes: composition.maxFacePhotoBytes,
  });
  await fastify.register(eventsRoutes, { prefix: '/api/v1', events: composition.liveEvents });
  await fastify.register(webPlugin, { webDir: config.webDir });
}

function listeningPort(fastify: FastifyInstance): number | undefined {
  const address = fastify.server.address();
  return typeof address === 'object' && address ? address.port : undefined;
}

export const app = fp(coffer, { name: 'coffer' });

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Public-link tokens are credentials: a log line names the link route, never the token. */
const LINK_TOKEN_PATH = /^(\/api\/v1\/links|\/s)\/[^/?#]+/;
export const redactLinkTokens = (url: string): string => url.replace(LINK_TOKEN_PATH, '$1/[redacted]');

const PROXY_SECRET_HEADER = 'x-coffer-proxy-secret';

/**
 * With PROXY_SECRET, only the balancer knows the secret it adds to every request: from
 * anyone else (another local process reaching an instance's port) X-Forwarded-* is removed
 * before Fastify reads it. The secret itself never goes further than this.
 */
function forwardedHeadersFilter(secret: string | undefined): (request: http.IncomingMessage) => void {
  if (secret === undefined) return () => {};
  const expected = Buffer.from(secret);
  return (request) => {
    const given = Buffer.from(String(request.headers[PROXY_SECRET_HEADER] ?? ''));
    delete request.headers[PROXY_SECRET_HEADER];
    if (given.length === expected.length && timingSafeEqual(given, expected)) return;
    for (const name of Object.keys(request.headers)) if (name.startsWith('x-forwarded-') || name === 'forwarded') delete request.headers[name];
  };
}

export function serverOptions(config: Config, logger: FastifyServerOptions['logger'] = true): FastifyServerOptions {
  const filterForwarded = forwardedHeadersFilter(config.proxySecret);
  return {
    logger:
      logger === true
        ? {
            level: config.logLevel,
            // Credentials never reach the logs, whichever way they were sent.
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'], censor: '[redacted]' },
            serializers: {
              req: (request: FastifyRequest) => ({ method: request.method, url: redactLinkTokens(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort }),
            },
          }
        : logger,
    trustProxy: config.trustProxy,
    // Requests are logged by plugins/request-log.ts, cheaply.
    logController: new LogController({ disableRequestLogging: true }),
    // Keep a request id given by the balancer so one request is one id across the system.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true } },
    serverFactory: (handler) =>
      http.createServer(
        {
          // Headers must arrive in time. No deadline for a whole request (requestTimeout): a
          // 2 GiB upload on a slow line takes hours. Bodies have their own deadlines instead
          // (BODY_TIMEOUT_SECONDS, UPLOAD_IDLE_TIMEOUT_SECONDS: plugins/bodies.ts).
          headersTimeout: config.headersTimeoutMs,
          requestTimeout: 0,
          // How often Node checks headersTimeout (default 30 s, which would stretch it).
          connectionsCheckingInterval: Math.min(5000, config.headersTimeoutMs),
          // Fastify's default, longer than nginx's and browsers' idle keep-alive.
          keepAliveTimeout: 72_000,
        },
        (request, response) => {
          filterForwarded(request);
          handler(request, response);
        },
      ),
  };
}

/** The whole app, ready to listen or to take `inject()` calls. */
export async function buildApp(config: Config, logger?: FastifyServerOptions['logger']): Promise<FastifyInstance> {
  return (await buildComposedApp(config, logger)).fastify;
}

/** The app and what it is made of (tests reach the database, the job queue or the audit log here). */
export async function buildComposedApp(config: Config, logger?: FastifyServerOptions['logger'], clock?: Clock): Promise<{ fastify: FastifyInstance; composition: Composition }> {
  const fastify = Fastify(serverOptions(config, logger));
  let composition: Composition | undefined;
  await fastify.register(app, { config, ...(clock ? { clock } : {}), onComposed: (composed) => (composition = composed) });
  await fastify.ready();
  if (!composition) throw new Error('the app was built without its composition');
  return { fastify, composition };
}
