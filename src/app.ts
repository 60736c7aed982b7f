import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { JobQueue } from './adapters/jobs/job-queue.js';
import { openJobEngine } from './adapters/jobs/open.js';
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
import { statusRoutes } from './features/admin/status.routes.js';
import { storageStatus } from './features/admin/status.service.js';
import { filesRoutes } from './features/files/files.routes.js';
import { FileSchema } from './features/files/files.schemas.js';
import { FilesService } from './features/files/files.service.js';
import { mediaPipeline } from './features/files/pipeline.js';
import { jobsRoutes } from './features/jobs/jobs.routes.js';
import { jobOptions, JobsService } from './features/jobs/jobs.service.js';
import { startJanitor } from './features/maintenance/janitor.js';
import { healthRoutes } from './features/health/health.routes.js';
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
import { AuditService } from './features/audit/audit.service.js';
import { LinkSecrets } from './features/sharing/link-secrets.js';
import { sharingRoutes } from './features/sharing/sharing.routes.js';
import { SharingService } from './features/sharing/sharing.service.js';
import { TokenSchema } from './features/tokens/tokens.schemas.js';
import { TokensService } from './features/tokens/tokens.service.js';
import bodies from './plugins/bodies.js';
import errors from './plugins/errors.js';
import metrics from './plugins/metrics.js';
import type { Mailer } from './adapters/mail/mailer.js';
import { OutboxMailer } from './adapters/mail/outbox.js';
import { SmtpMailer } from './adapters/mail/smtp.js';
import { emailRoutes } from './features/accounts/email.routes.js';
import { AccountMailService } from './features/mail/account-mail.service.js';
import { BackgroundWork } from './features/mail/background.js';
import { MailFeedbackService } from './features/mail/feedback.service.js';
import { mailRoutes } from './features/mail/mail.routes.js';
import { MailService } from './features/mail/mail.service.js';
import { sendNoticesFor } from './features/mail/notices.js';
import { MailSender } from './features/mail/sender.js';
import { DEFAULT_CERT_URL_PATTERN, SnsVerifier } from './features/mail/sns-signature.js';
import verifiedEmailGate from './features/mail/verified-email.js';
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

/**
 * Wrong passwords allowed per public link before a 429: per client address, and per link
 * across all addresses (a lockout of the link, so many addresses cannot share the guessing).
 */
const LINK_PASSWORD_LIMITS = {
  perAddress: { name: 'link-password:', points: 10, durationSeconds: 15 * 60 },
  perLink: { name: 'link-password-all:', points: 30, durationSeconds: 60 * 60 },
};

/** Password guesses (sign-in, Basic, password change) allowed before a 429, per client IP and per username. */
const LOGIN_LIMITS = {
  perIp: { name: 'login-ip:', points: 30, durationSeconds: 15 * 60 },
  perUsername: { name: 'login-user:', points: 10, durationSeconds: 15 * 60 },
};

/** Sign-ups allowed per client address. */
const SIGN_UP_LIMIT = { name: 'sign-up:', points: 20, durationSeconds: 60 * 60 };
/** Mail-driven account flows: verification resends, and forgotten passwords per client and per address. */
const MAIL_LIMITS = {
  resend: { name: 'mail-resend:', points: 3, durationSeconds: 3600 },
  forgotPerIp: { name: 'forgot-ip:', points: 10, durationSeconds: 15 * 60 },
  forgotPerAddress: { name: 'forgot-address:', points: 3, durationSeconds: 3600 },
};

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
  fastify.addHook('onClose', async () => {
    stopJanitor();
    await mailWork.settle();
    await mailSender.stop();
    await instances.stop();
    await backends.jobs.close();
    await audit.flush();
    await backends.sessions.store.close();
    await backends.blobs.close();
    await backends.db.destroy();
  });

  if (!config.publicUrl && (config.trustProxy || config.host === '0.0.0.0' || config.host === '::')) {
    fastify.log.warn(`PUBLIC_URL is not set: public links are built on ${publicUrl(config, fastify)}; set PUBLIC_URL to the address people use`);
  }
  const hasher = new PasswordHasher();
  const accounts = new AccountsService(
    backends.db,
    hasher,
    new LoginThrottle(backends.sessions.limiter(LOGIN_LIMITS.perIp), backends.sessions.limiter(LOGIN_LIMITS.perUsername)),
    backends.sessions.limiter(SIGN_UP_LIMIT),
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
  const sharing = new SharingService(backends.db, new LinkSecrets(config.secretKey), hasher, {
    perAddress: backends.sessions.limiter(LINK_PASSWORD_LIMITS.perAddress),
    perLink: backends.sessions.limiter(LINK_PASSWORD_LIMITS.perLink),
  }, accounts, files);
  const jwt = await JwtIssuer.create(config.jwt, config.secretKey, config.publicUrl ?? 'coffer');
  const authenticators: Record<AuthScheme, Authenticator> = {
    basic: basicAuthenticator(accounts),
    token: tokenAuthenticator(tokens, audit),
    jwt: jwtAuthenticator(jwt, accounts, tokens),
    session: sessionAuthenticator(accounts, sessions),
  };
  const mailer: Mailer = config.mail.smtpUrl ? new SmtpMailer(config.mail.smtpUrl) : new OutboxMailer(fastify.log);
  const mailSender = new MailSender(backends.db, mailer, fastify.log, { instanceId: config.instanceId, from: config.mail.from, retryBaseMs: config.mail.retryBaseSeconds * 1000 });
  const mail = new MailService(backends.db, mailSender, () => publicUrl(config, fastify));
  const mailWork = new BackgroundWork(fastify.log);
  const accountMail = new AccountMailService(backends.db, accounts, mail, {
    resend: backends.sessions.limiter(MAIL_LIMITS.resend),
    forgotPerIp: backends.sessions.limiter(MAIL_LIMITS.forgotPerIp),
    forgotPerAddress: backends.sessions.limiter(MAIL_LIMITS.forgotPerAddress),
  }, mailWork);
  const feedback = new MailFeedbackService(backends.db, new SnsVerifier(config.mail.snsCertUrlPattern ?? DEFAULT_CERT_URL_PATTERN), { topics: config.mail.snsTopicArns, softBounceLimit: config.mail.softBounceLimit }, audit, fastify.log);
  sendNoticesFor(audit, { accounts, files }, mail, accountMail, mailWork);
  mailSender.start();
  backends.jobs.start();
  const auditEvents = new AuditService(backends.db);
  const stopJanitor = startJanitor(backends.db, backends.blobs, auditEvents, fastify.log, config.auditRetentionDays);

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id).header('X-Coffer-Instance', config.instanceId);
  });
  await fastify.register(errors, { pageFallback: pageFallback(config.webDir) });
  const checks = [
    { name: 'database', check: () => backends.db.selectFrom('users').select('id').limit(1).execute().then(() => undefined) },
    { name: 'storage', check: () => backends.blobs.check() },
    { name: 'sessions', check: () => backends.sessions.store.check() },
  ];
  const currentStorageStatus = () => storageStatus(backends.blobs, config.storageLowBytes);
  if (config.metrics) {
    await fastify.register(metrics, { ...config.metrics, jobs: backends.jobs, checks, storageFreeBytes: async () => (await currentStorageStatus()).freeBytes });
  }
  await fastify.register(bodies, { bodyTimeoutMs: config.bodyTimeoutMs });
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
    publicOrigin: config.publicUrl,
  });
  await fastify.register(verifiedEmailGate, { enabled: config.mail.requireEmailVerification });
  for (const schema of [ErrorSchema, UserSchema, FileSchema, TokenSchema]) fastify.addSchema(schema);
  await fastify.register(openapi);

  await fastify.register(healthRoutes, { checks, storageStatus: currentStorageStatus });
  await fastify.register(accountsRoutes, { prefix: '/api/v1', accounts, sessions, audit, secureCookies: config.secureCookies });
  await fastify.register(filesRoutes, { prefix: '/api/v1', files, audit, maxUploadBytes: config.maxUploadBytes, uploadIdleTimeoutMs: config.uploadIdleTimeoutMs });
  await fastify.register(tokensRoutes, { prefix: '/api/v1', tokens, jwt, audit });
  await fastify.register(adminUsersRoutes, { prefix: '/api/v1', users: new AdminUsersService(backends.db, accounts, sharing), audit });
  await fastify.register(instancesRoutes, { prefix: '/api/v1', instances });
  await fastify.register(statusRoutes, { prefix: '/api/v1', storageStatus: currentStorageStatus });
  await fastify.register(jobsRoutes, { prefix: '/api/v1', jobs: backends.jobs, audit });
  await fastify.register(auditRoutes, { prefix: '/api/v1', auditEvents });
  await fastify.register(sharingRoutes, { prefix: '/api/v1', sharing, files, audit, publicUrl: () => publicUrl(config, fastify) });
  await fastify.register(emailRoutes, { prefix: '/api/v1', accountMail, audit });
  await fastify.register(mailRoutes, { prefix: '/api/v1', mail, feedback, tokens, audit });
  await fastify.register(webPlugin, { webDir: config.webDir });
}

async function openBackends(config: Config, fastify: FastifyInstance): Promise<Backends & { jobs: JobsService }> {
  const db = await connectDatabase(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    // Only the reason: pg attaches the whole client to the error.
    onConnectionLost: (error) => fastify.log.warn({ reason: error.message, code: (error as { code?: unknown }).code }, 'a database connection was lost; the pool opens a new one when needed'),
  });
  try {
    const applied = await migrate(db, config.databaseUrl);
    if (applied.length > 0) fastify.log.info({ migrations: applied }, 'database migrated');
    const blobs = await openBlobStore(config.storageUrl, config.instanceId, config.s3Timeouts);
    const sessions = await openSessionBackend(config.sessionUrl);
    const pipeline = mediaPipeline(db, blobs, fastify.log, { maxPixels: config.maxImagePixels });
    const jobs = new JobsService(db, await openJobEngine(config.jobs.url), pipeline, jobOptions(config), fastify.log);
    return { db, blobs, sessions, jobs };
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
}

/**
 * The address public links are built on: PUBLIC_URL, or else the address this server listens
 * on — never the request's Host header, which any client can forge into someone's link.
 */
function publicUrl(config: Config, fastify: FastifyInstance): string {
  if (config.publicUrl) return config.publicUrl;
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // A wildcard address is not one a visitor can use; the machine's name is the best guess.
  const host = config.host === '0.0.0.0' || config.host === '::' ? os.hostname() : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
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
  const fastify = Fastify(serverOptions(config, logger));
  await fastify.register(app, { config });
  await fastify.ready();
  return fastify;
}
