import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { FaceApiEngine } from './adapters/faces/face-api.js';
import { InProcessJobQueue, type JobQueue } from './adapters/jobs/job-queue.js';
import { openSessionBackend, type SessionBackend } from './adapters/sessions/open.js';
import type { BlobStore } from './adapters/storage/blob-store.js';
import { LocalBlobStore } from './adapters/storage/local.js';
import { openBlobStore } from './adapters/storage/open.js';
import type { AuthScheme, Config } from './config.js';
import { connectDatabase, maskUrl, type Db } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { accountsRoutes } from './features/accounts/accounts.routes.js';
import { UserSchema } from './features/accounts/accounts.schemas.js';
import { AccountsService } from './features/accounts/accounts.service.js';
import { LoginThrottle } from './features/accounts/login-throttle.js';
import { PasswordHasher } from './features/accounts/passwords.js';
import { SessionsService } from './features/accounts/sessions.service.js';
import { instancesRoutes } from './features/admin/instances.routes.js';
import { InstancesService } from './features/admin/instances.service.js';
import { filesRoutes } from './features/files/files.routes.js';
import { FileSchema } from './features/files/files.schemas.js';
import { DESCRIBE_MEDIA_JOB, FilesService } from './features/files/files.service.js';
import { describeMediaJob } from './features/files/media-facts.js';
import { startJanitor } from './features/maintenance/janitor.js';
import { healthRoutes } from './features/health/health.routes.js';
import { NotablePeopleService } from './features/people/notable-people.service.js';
import { peopleRoutes } from './features/people/people.routes.js';
import { WhoService } from './features/people/who.service.js';
import { ErrorSchema } from './features/shared.schemas.js';
import access, { type Authenticator } from './plugins/access.js';
import { basicAuthenticator, sessionAuthenticator } from './features/accounts/authenticators.js';
import { AuditLog } from './features/audit/audit.log.js';
import { jwtAuthenticator, tokenAuthenticator } from './features/tokens/authenticators.js';
import { JwtIssuer } from './features/tokens/jwt.js';
import { tokensRoutes } from './features/tokens/tokens.routes.js';
import { adminUsersRoutes } from './features/admin/users.routes.js';
import { AdminUsersService } from './features/admin/users.service.js';
import { auditRoutes } from './features/audit/audit.routes.js';
import { LinkSecrets } from './features/sharing/link-secrets.js';
import { sharingRoutes } from './features/sharing/sharing.routes.js';
import { SharingService } from './features/sharing/sharing.service.js';
import { TokenSchema } from './features/tokens/tokens.schemas.js';
import { TokensService } from './features/tokens/tokens.service.js';
import errors from './plugins/errors.js';
import openapi from './plugins/openapi.js';
import { pageFallback, webPlugin } from './plugins/web.js';

/** What the app is made of; tests may inspect it (for example, wait for background jobs). */
export interface Backends {
  db: Db;
  blobs: BlobStore;
  sessions: SessionBackend;
  jobs: JobQueue;
}

declare module 'fastify' {
  interface FastifyInstance {
    backends: Backends;
    audit: AuditLog;
  }
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Wrong passwords allowed per public link and client address before a 429. */
const LINK_PASSWORD_LIMIT = { name: 'link-password:', points: 10, durationSeconds: 15 * 60 };

/** Login attempts allowed before a 429, per client IP and per username. */
const LOGIN_LIMITS = {
  perIp: { name: 'login-ip:', points: 30, durationSeconds: 15 * 60 },
  perUsername: { name: 'login-user:', points: 10, durationSeconds: 15 * 60 },
};

/** `/who` questions allowed per client address, and the largest photo it takes. */
const WHO_LIMIT = { name: 'who:', points: 10, durationSeconds: 60 };
const MAX_FACE_PHOTO_BYTES = 20 * 1024 * 1024;

/**
 * The composition root: the only place that turns configuration URLs into adapters and
 * wires services to routes. Registered as a plugin by server.ts and by the tests.
 */
async function coffer(fastify: FastifyInstance, { config }: { config: Config }): Promise<void> {
  const backends = await openBackends(config, fastify);
  const audit = new AuditLog(backends.db, fastify.log);
  fastify.decorate('backends', backends);
  fastify.decorate('audit', audit);
  const instances = new InstancesService(backends.db, { id: config.instanceId, host: os.hostname(), pid: process.pid, version: VERSION }, fastify.log);
  // Registered once the port is known (and only by a listening server, not by inject()).
  fastify.addHook('onListen', async () => {
    const address = fastify.server.address();
    await instances.start(typeof address === 'object' && address ? address.port : config.port);
  });
  // The face model starts in a worker thread at the first photo and stops when idle.
  const faces = new FaceApiEngine({ log: fastify.log });
  fastify.addHook('onClose', async () => {
    stopJanitor();
    await faces.close();
    await instances.stop();
    await backends.jobs.close();
    await audit.flush();
    await backends.sessions.store.close();
    await backends.blobs.close();
    await backends.db.destroy();
  });

  const hasher = new PasswordHasher();
  const accounts = new AccountsService(
    backends.db,
    hasher,
    new LoginThrottle(backends.sessions.limiter(LOGIN_LIMITS.perIp), backends.sessions.limiter(LOGIN_LIMITS.perUsername)),
  );
  const sessions = new SessionsService(backends.sessions.store);
  const files = new FilesService(
    backends.db,
    backends.blobs,
    backends.jobs,
    config.maxUploadBytes,
    fastify.log,
    config.s3PresignedDownloads,
    accelRedirectPrefix(config, backends.blobs, fastify.log),
  );
  const tokens = new TokensService(backends.db, accounts);
  const sharing = new SharingService(backends.db, new LinkSecrets(config.secretKey), hasher, backends.sessions.limiter(LINK_PASSWORD_LIMIT));
  const jwt = await JwtIssuer.create(config.jwt, config.secretKey, config.publicUrl ?? 'coffer');
  const authenticators: Record<AuthScheme, Authenticator> = {
    basic: basicAuthenticator(accounts),
    token: tokenAuthenticator(tokens, audit),
    jwt: jwtAuthenticator(jwt, accounts, tokens),
    session: sessionAuthenticator(accounts, sessions),
  };
  backends.jobs.register(DESCRIBE_MEDIA_JOB, describeMediaJob(backends.db, backends.blobs, fastify.log));
  const stopJanitor = startJanitor(backends.db, backends.blobs, fastify.log, config.auditRetentionDays);

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id).header('X-Coffer-Instance', config.instanceId);
  });
  await fastify.register(errors, { pageFallback: pageFallback(config.webDir) });
  // Pages and stored content set their own Content-Security-Policy.
  await fastify.register(fastifyHelmet, { contentSecurityPolicy: false, strictTransportSecurity: config.secureCookies });
  await fastify.register(fastifyCookie);
  await fastify.register(fastifyMultipart, { limits: { fileSize: config.maxUploadBytes } });
  await fastify.register(access, {
    authenticators: config.authSchemes.map((scheme) => authenticators[scheme]),
    objectChecks: {
      file: (caller, id, mode) => files.check(caller.user.id, id, mode),
      link: (caller, id) => sharing.checkLink(caller.user.id, id),
    },
  });
  for (const schema of [ErrorSchema, UserSchema, FileSchema, TokenSchema]) fastify.addSchema(schema);
  await fastify.register(openapi);

  await fastify.register(healthRoutes, {
    checks: [
      { name: 'database', check: () => backends.db.selectFrom('users').select('id').limit(1).execute().then(() => undefined) },
      { name: 'storage', check: () => backends.blobs.check() },
      { name: 'sessions', check: () => backends.sessions.store.check() },
    ],
  });
  await fastify.register(accountsRoutes, { prefix: '/api/v1', accounts, sessions, audit, secureCookies: config.secureCookies });
  await fastify.register(filesRoutes, { prefix: '/api/v1', files, audit, maxUploadBytes: config.maxUploadBytes });
  await fastify.register(tokensRoutes, { prefix: '/api/v1', tokens, jwt, audit });
  await fastify.register(adminUsersRoutes, { prefix: '/api/v1', users: new AdminUsersService(backends.db, accounts), audit });
  await fastify.register(instancesRoutes, { prefix: '/api/v1', instances });
  await fastify.register(auditRoutes, { prefix: '/api/v1', db: backends.db });
  await fastify.register(sharingRoutes, { prefix: '/api/v1', sharing, files, audit, publicUrl: config.publicUrl });
  await fastify.register(peopleRoutes, {
    prefix: '/api/v1',
    notablePeople: new NotablePeopleService(backends.db, faces),
    who: new WhoService(backends.db, faces, { enabled: config.whoEnabled, limiter: backends.sessions.limiter(WHO_LIMIT) }),
    audit,
    maxPhotoBytes: Math.min(config.maxUploadBytes, MAX_FACE_PHOTO_BYTES),
  });
  await fastify.register(webPlugin, { webDir: config.webDir });
}

async function openBackends(config: Config, fastify: FastifyInstance): Promise<Backends> {
  const db = await connectDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  try {
    const applied = await migrate(db, config.databaseUrl);
    if (applied.length > 0) fastify.log.info({ migrations: applied }, 'database migrated');
    return {
      db,
      blobs: await openBlobStore(config.storageUrl, config.instanceId),
      sessions: await openSessionBackend(config.sessionUrl),
      jobs: new InProcessJobQueue(fastify.log),
    };
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
}

/** nginx can send only what it can read from disk: the offload applies to the local blob folder. */
function accelRedirectPrefix(config: Config, blobs: BlobStore, log: FastifyBaseLogger): string | undefined {
  if (config.accelRedirectPrefix === undefined || blobs instanceof LocalBlobStore) return config.accelRedirectPrefix;
  log.warn('ACCEL_REDIRECT_PREFIX is ignored: the blob store is not a local folder');
  return undefined;
}

async function migrate(db: Db, url: string): Promise<string[]> {
  try {
    return await migrateToLatest(db);
  } catch (error) {
    throw new Error(`DATABASE_URL: cannot prepare the database at ${maskUrl(url)} (${error instanceof Error ? error.message : String(error)})`);
  }
}

export const app = fp(coffer, { name: 'coffer' });

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function serverOptions(config: Config, logger: FastifyServerOptions['logger'] = true): FastifyServerOptions {
  return {
    logger:
      logger === true
        ? {
            level: config.logLevel,
            // Credentials never reach the logs, whichever way they were sent.
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'], censor: '[redacted]' },
          }
        : logger,
    trustProxy: config.trustProxy,
    // Keep a request id given by the balancer so one request is one id across the system.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true } },
    // Uploads may take long; nginx or the client decides when to give up.
    requestTimeout: 0,
  };
}

/** The whole app, ready to listen or to take `inject()` calls. */
export async function buildApp(config: Config, logger?: FastifyServerOptions['logger']): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions(config, logger));
  await fastify.register(app, { config });
  await fastify.ready();
  return fastify;
}
