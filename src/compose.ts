import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { LogEvent } from 'kysely';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { EventBus } from './adapters/events/event-bus.js';
import { openEventBus } from './adapters/events/open.js';
import { FaceApiEngine } from './adapters/faces/face-api.js';
import type { FaceEngine } from './adapters/faces/face-engine.js';
import { useImageWorkers } from './adapters/media/images.js';
import type { JobQueue } from './adapters/jobs/job-queue.js';
import { openJobEngine } from './adapters/jobs/open.js';
import type { Mailer } from './adapters/mail/mailer.js';
import { OutboxMailer } from './adapters/mail/outbox.js';
import { SmtpMailer } from './adapters/mail/smtp.js';
import { openSessionBackend, type SessionBackend } from './adapters/sessions/open.js';
import type { BlobStore } from './adapters/storage/blob-store.js';
import { LocalBlobStore } from './adapters/storage/local.js';
import { openBlobStore } from './adapters/storage/open.js';
import type { AuthScheme, Config } from './config.js';
import { connectDatabase, type Db } from './db/connect.js';
import { maskUrl } from './shared/mask-url.js';
import { migrateToLatest } from './db/migrate.js';
import { AccessService } from './features/access/access.service.js';
import { AccountsService } from './features/accounts/accounts.service.js';
import { AuthService } from './features/accounts/auth.service.js';
import { basicAuthenticator, sessionAuthenticator } from './features/accounts/authenticators.js';
import { LoginThrottle } from './features/accounts/login-throttle.js';
import { PasswordHasher } from './features/accounts/passwords.js';
import { csrfTokenMatches, DEFAULT_SESSION_POLICY, SessionsService } from './features/accounts/sessions.service.js';
import { InstancesService } from './features/admin/instances.service.js';
import { SettingsService } from './features/admin/settings.service.js';
import { storageStatus, type StorageStatus } from './features/admin/status.service.js';
import { AdminUsersService } from './features/admin/users.service.js';
import { BatchedAuditLog, type AuditLog } from './features/audit/audit.log.js';
import { AuditService } from './features/audit/audit.service.js';
import { describeOwnedFiles } from './features/events/describe-files.js';
import { LiveEvents } from './features/events/live-events.js';
import { FaceIndex } from './features/faces/face-index.js';
import { PeopleService } from './features/faces/people.service.js';
import { DuplicatesService } from './features/files/duplicates.js';
import { FilesService } from './features/files/files.service.js';
import { locateNow } from './features/files/media-facts.js';
import { mediaPipeline } from './features/files/pipeline.js';
import { JobsAdminService } from './features/jobs/jobs-admin.service.js';
import { jobOptions, JobsService, type JobsLog } from './features/jobs/jobs.service.js';
import { AccountMailService } from './features/mail/account-mail.service.js';
import { BackgroundWork } from './features/mail/background.js';
import { MailFeedbackService } from './features/mail/feedback.service.js';
import { MailService } from './features/mail/mail.service.js';
import { sendNoticesFor } from './features/mail/notices.js';
import { MailSender } from './features/mail/sender.js';
import { DEFAULT_CERT_URL_PATTERN, SnsVerifier } from './features/mail/sns-signature.js';
import { startJanitor } from './features/maintenance/janitor.js';
import { NotablePeopleService } from './features/people/notable-people.service.js';
import { WhoService } from './features/people/who.service.js';
import { LinkSecrets } from './features/sharing/link-secrets.js';
import { SharingService } from './features/sharing/sharing.service.js';
import { jwtAuthenticator, tokenAuthenticator } from './features/tokens/authenticators.js';
import { JwtIssuer } from './features/tokens/jwt.js';
import { TokensService } from './features/tokens/tokens.service.js';
import type { AccessOptions, Authenticator } from './plugins/access.js';
import { levelEnabled } from './plugins/request-log.js';
import { systemClock, type Clock } from './shared/clock.js';

/**
 * The composition root: the only place that turns configuration URLs into adapters and
 * wires services together. app.ts puts a composition behind HTTP; cli.ts, the cluster
 * supervisor and `coffer worker` use it (or the parts of it a command needs) directly.
 */

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
/** `/who` questions allowed per client address, and the largest photo it takes. */
const WHO_LIMIT = { name: 'who:', points: 10, durationSeconds: 60 };
const MAX_FACE_PHOTO_BYTES = 20 * 1024 * 1024;
/** Streams are ended after this long, so a signed-out or expired caller's stream does not outlive them by more. */
const LIVE_EVENTS_MAX_AGE_MS = 5 * 60 * 1000;

/** The adapters behind the services. */
export interface Backends {
  db: Db;
  blobs: BlobStore;
  sessions: SessionBackend;
  jobs: JobQueue;
  events: EventBus;
}

/** The backends of a server or worker: the job queue as a service, and the face index the faces step and the people API share. */
export type ServerBackends = Backends & { jobs: JobsService; faceIndex: FaceIndex };

/** A health or readiness check of one backend. */
export interface BackendCheck {
  name: string;
  check(): Promise<void>;
}

/** Everything the app is made of: what routes are given, and what tests may inspect. */
export interface Composition {
  config: Config;
  backends: ServerBackends;
  audit: BatchedAuditLog;
  auditEvents: AuditService;
  instances: InstancesService;
  /** Instance-wide settings administrators change at run time (the /who switch). */
  settings: SettingsService;
  accounts: AccountsService;
  /** Signing up, in and out, changing the password. */
  auth: AuthService;
  sessions: SessionsService;
  files: FilesService;
  tokens: TokensService;
  sharing: SharingService;
  adminUsers: AdminUsersService;
  /** The administrators' view of the job queue (the queue itself is `backends.jobs`). */
  jobsAdmin: JobsAdminService;
  jwt: JwtIssuer;
  /** Who may reach which files and links (the object rules, and the services' bulk checks). */
  access: AccessService;
  /** The configured schemes, in AUTH_SCHEMES order. */
  authenticators: Authenticator[];
  /** What the access plugin is given besides the authenticators: the object rules, the account lookup, the CSRF check. */
  accessRules: Pick<AccessOptions, 'objects' | 'findAccount' | 'csrfMatches'>;
  mail: MailService;
  accountMail: AccountMailService;
  feedback: MailFeedbackService;
  duplicates: DuplicatesService;
  /** The owner's faces and people (GET /files/:id/faces, /people). */
  people: PeopleService;
  /** The administrators' notable people and the public `/who`. */
  notablePeople: NotablePeopleService;
  who: WhoService;
  /** The largest photo the people API takes. */
  maxFacePhotoBytes: number;
  liveEvents: LiveEvents;
  checks: BackendCheck[];
  storageStatus(): Promise<StorageStatus>;
  /** Where public links point (see publicUrl). */
  publicUrl(): string;
  /** Starts the background work: mail delivery, jobs, the janitor. */
  start(): void;
  /** Resolves once the work requests started and did not wait for (notices being queued) is done. */
  settle(): Promise<void>;
  /** Stops the background work and closes every backend, in order. */
  close(): Promise<void>;
}

export interface ComposeOptions {
  /** The port the HTTP server listens on, once it does (for PUBLIC_URL's fallback). */
  listeningPort?: () => number | undefined;
  /** The time for sessions, tokens, links, JWTs and mail tokens (tests advance their own). */
  clock?: Clock;
}

/** The whole app's services over the configured backends (migrating the database first). */
export async function compose(config: Config, log: FastifyBaseLogger, options: ComposeOptions = {}): Promise<Composition> {
  useImageWorkers(config.imageWorkers);
  // The face model starts in a child process at the first photo and stops when idle.
  const faces = new FaceApiEngine({ log, photoTimeoutMs: config.faceTimeoutMs, maxPixels: config.maxImagePixels });
  let backends: ServerBackends;
  try {
    backends = await openBackends(config, log, faces);
  } catch (error) {
    await faces.close();
    throw error;
  }
  try {
    return await composeOver(backends, faces, config, log, options);
  } catch (error) {
    await faces.close();
    await backends.events.close();
    await closeBackends(backends);
    throw error;
  }
}

async function composeOver(backends: ServerBackends, faces: FaceEngine & { close(): Promise<void> }, config: Config, log: FastifyBaseLogger, options: ComposeOptions): Promise<Composition> {
  const { db } = backends;
  const clock = options.clock ?? systemClock;
  if (!config.publicUrl && (config.trustProxy || config.host === '0.0.0.0' || config.host === '::')) {
    log.warn(`PUBLIC_URL is not set: public links are built on ${publicUrl(config, options.listeningPort?.())}; set PUBLIC_URL to the address people use`);
  }
  const audit = new BatchedAuditLog(db, log);
  const auditEvents = new AuditService(db);
  const instances = new InstancesService(db, { id: config.instanceId, host: os.hostname(), pid: process.pid, version: VERSION }, log);
  const linkBase = () => publicUrl(config, options.listeningPort?.());
  const settings = new SettingsService(db, audit, { whoEnabled: config.whoEnabled });

  const hasher = new PasswordHasher();
  const accounts = new AccountsService(
    db,
    hasher,
    new LoginThrottle(backends.sessions.limiter(LOGIN_LIMITS.perIp), backends.sessions.limiter(LOGIN_LIMITS.perUsername)),
    backends.sessions.limiter(SIGN_UP_LIMIT),
    clock,
  );
  const sessions = new SessionsService(backends.sessions.store, DEFAULT_SESSION_POLICY, clock);
  const access = new AccessService(db);
  const files = new FilesService(
    db,
    access,
    audit,
    backends.blobs,
    backends.jobs,
    config.maxUploadBytes,
    log,
    config.s3PresignedDownloads,
    accelRedirectPrefix(config, backends.blobs, log),
    locateNow(db, backends.blobs, { maxPixels: config.maxImagePixels }),
    config.duplicates,
  );
  const jwt = await JwtIssuer.create(config.jwt, config.secretKey, config.publicUrl ?? 'coffer', clock);
  const tokens = new TokensService(db, accounts, audit, jwt, clock);
  const sharing = new SharingService(
    db,
    new LinkSecrets(config.secretKey, clock),
    hasher,
    { perAddress: backends.sessions.limiter(LINK_PASSWORD_LIMITS.perAddress), perLink: backends.sessions.limiter(LINK_PASSWORD_LIMITS.perLink) },
    accounts,
    access,
    audit,
    clock,
  );
  const schemes: Record<AuthScheme, Authenticator> = {
    basic: basicAuthenticator(accounts),
    token: tokenAuthenticator(tokens),
    jwt: jwtAuthenticator(jwt, tokens),
    session: sessionAuthenticator(accounts, sessions),
  };
  const mailer: Mailer = config.mail.smtpUrl ? new SmtpMailer(config.mail.smtpUrl) : new OutboxMailer(log);
  const mailSender = new MailSender(db, mailer, log, { instanceId: config.instanceId, from: config.mail.from, retryBaseMs: config.mail.retryBaseSeconds * 1000 });
  const mail = new MailService(db, mailSender, linkBase);
  const mailWork = new BackgroundWork(log);
  const people = new PeopleService(db, backends.faceIndex, audit);
  const accountMail = new AccountMailService(
    db,
    accounts,
    mail,
    {
      resend: backends.sessions.limiter(MAIL_LIMITS.resend),
      forgotPerIp: backends.sessions.limiter(MAIL_LIMITS.forgotPerIp),
      forgotPerAddress: backends.sessions.limiter(MAIL_LIMITS.forgotPerAddress),
    },
    mailWork,
    audit,
    (userId, on) => people.setRecognition(userId, on),
    clock,
  );
  const feedback = new MailFeedbackService(db, new SnsVerifier(config.mail.snsCertUrlPattern ?? DEFAULT_CERT_URL_PATTERN), { topics: config.mail.snsTopicArns, softBounceLimit: config.mail.softBounceLimit }, audit, log);
  sendNoticesFor(audit, { accounts, files }, mail, accountMail, mailWork);

  const liveEvents = new LiveEvents(
    db,
    backends.events,
    describeOwnedFiles(files),
    { maxStreamsPerUser: config.events.maxStreamsPerUser, heartbeatMs: config.events.heartbeatSeconds * 1000, maxAgeMs: LIVE_EVENTS_MAX_AGE_MS },
    log,
  );

  let stopJanitor = () => {};
  return {
    config,
    backends,
    audit,
    auditEvents,
    instances,
    settings,
    accounts,
    auth: new AuthService(accounts, sessions, audit),
    sessions,
    files,
    tokens,
    sharing,
    adminUsers: new AdminUsersService(db, accounts, sharing, audit),
    jobsAdmin: new JobsAdminService(backends.jobs, audit),
    jwt,
    access,
    authenticators: config.authSchemes.map((scheme) => schemes[scheme]),
    accessRules: {
      objects: { file: access.fileRule, link: access.linkRule },
      findAccount: (userId) => accounts.findAccount(userId),
      csrfMatches: csrfTokenMatches,
    },
    mail,
    accountMail,
    feedback,
    duplicates: new DuplicatesService(db),
    people,
    notablePeople: new NotablePeopleService(db, faces, audit),
    who: new WhoService(db, faces, { enabled: () => settings.whoEnabled(), limiter: backends.sessions.limiter(WHO_LIMIT) }),
    maxFacePhotoBytes: Math.min(config.maxUploadBytes, MAX_FACE_PHOTO_BYTES),
    liveEvents,
    checks: [
      { name: 'database', check: () => db.selectFrom('users').select('id').limit(1).execute().then(() => undefined) },
      { name: 'storage', check: () => backends.blobs.check() },
      { name: 'sessions', check: () => backends.sessions.store.check() },
    ],
    storageStatus: () => storageStatus(backends.blobs, config.storageLowBytes),
    publicUrl: linkBase,
    start() {
      mailSender.start();
      backends.jobs.start();
      stopJanitor = startJanitor(db, backends.blobs, auditEvents, log, config.auditRetentionDays);
    },
    settle: () => mailWork.settle(),
    async close() {
      stopJanitor();
      await mailWork.settle();
      await mailSender.stop();
      await instances.stop();
      // Jobs first: a face job running now still has its engine.
      await backends.jobs.close();
      await faces.close();
      await backends.events.close();
      await audit.flush();
      await closeBackends(backends);
    },
  };
}

async function closeBackends(backends: Backends): Promise<void> {
  await backends.sessions.store.close();
  await backends.blobs.close();
  await backends.db.destroy();
}

async function openBackends(config: Config, log: FastifyBaseLogger, faces: FaceEngine): Promise<ServerBackends> {
  const db = await connectDatabase(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    // LOG_LEVEL=trace: every query, with its time (what a request costs in round trips).
    ...(levelEnabled(log, 'trace') ? { onQuery: (event: LogEvent) => log.trace({ sql: event.query.sql, ms: event.queryDurationMillis, ...(event.level === 'error' ? { failed: true } : {}) }, 'database query') } : {}),
    // Only the reason: pg attaches the whole client to the error.
    onConnectionLost: (error) => log.warn({ reason: error.message, code: (error as { code?: unknown }).code }, 'a database connection was lost; the pool opens a new one when needed'),
    backgroundCheckpoints: { onError: (reason) => log.warn({ reason }, 'a SQLite checkpoint failed; the next one tries again') },
  });
  try {
    const applied = await migrate(db, config.databaseUrl);
    if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');
    const blobs = await openBlobStore(config.storageUrl, config.instanceId, config.s3Timeouts);
    const sessions = await openSessionBackend(config.sessionUrl);
    const faceIndex = new FaceIndex(db);
    const pipeline = mediaPipeline(db, blobs, log, { maxPixels: config.maxImagePixels }, config.facesEnabled ? { engine: faces, index: faceIndex } : undefined);
    const events = await openEventBus(config.events.url, log);
    if (!config.jobs.worker && config.events.url.startsWith('inprocess:')) {
      log.warn('JOBS_WORKER=0 with in-process live events: steps worked by `coffer worker` reach browsers only when they reconnect; set EVENTS_URL (or JOBS_URL) to a Redis');
    }
    const jobs = new JobsService(db, await openJobEngine(config.jobs.url), pipeline, jobOptions(config), log, events);
    return { db, blobs, sessions, jobs, faceIndex, events };
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
}

/**
 * The configured database, for commands that need only it; `migrate: true` brings it up to
 * date first. Commands keep a small pool: they run one thing at a time.
 */
export async function openDatabase(config: Config, options: { migrate: boolean }): Promise<{ db: Db; applied: string[] }> {
  const db = await connectDatabase(config.databaseUrl, { poolSize: 2 });
  try {
    return { db, applied: options.migrate ? await migrateToLatest(db) : [] };
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
}

/** The configured blob store, for commands (fsck). */
export function openConfiguredBlobStore(config: Config): Promise<BlobStore> {
  return openBlobStore(config.storageUrl, config.instanceId, config.s3Timeouts);
}

/** Rate limiters that never refuse: the command line is not rate-limited (these are never consulted). */
const unlimited = () => new RateLimiterMemory({ points: 1, duration: 1 });

/** The accounts service over a command's database, without rate limits. */
export function commandAccounts(db: Db): AccountsService {
  return new AccountsService(db, new PasswordHasher(), new LoginThrottle(unlimited(), unlimited()), unlimited());
}

/** The job queue over a command's database and the configured engine, only sending (working is for servers and workers). */
export async function commandJobs(config: Config, db: Db, log: JobsLog): Promise<JobsService> {
  return new JobsService(db, await openJobEngine(config.jobs.url), [], { ...jobOptions(config), worker: false }, log);
}

/** The notable-people service of `coffer people import`, with a face engine of its own (closed by `close`). */
export async function commandNotablePeople(db: Db, audit: AuditLog): Promise<{ service: NotablePeopleService; close(): Promise<void> }> {
  const engine = new FaceApiEngine();
  return { service: new NotablePeopleService(db, engine, audit), close: () => engine.close() };
}

/** The audit log of a command: events are flushed before the command ends; failures are said on stderr. */
export function commandAudit(db: Db, say: (message: string) => void): BatchedAuditLog {
  return new BatchedAuditLog(db, { error: (_details: object, message: string) => say(message) });
}

/**
 * The address public links are built on: PUBLIC_URL, or else the address this server listens
 * on — never the request's Host header, which any client can forge into someone's link.
 */
export function publicUrl(config: Config, listeningPort: number | undefined): string {
  if (config.publicUrl) return config.publicUrl;
  const port = listeningPort ?? config.port;
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
