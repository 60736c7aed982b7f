import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import os from 'node:os';

/** Everything Coffer reads from the environment, validated once at start-up. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** The Prometheus listener (`GET /metrics`); absent: no metrics listener. */
  readonly metrics: { readonly port: number; readonly host: string } | undefined;
  readonly dataDir: string;
  readonly publicUrl: string | undefined;
  readonly secretKey: string;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  readonly storageUrl: string;
  readonly sessionUrl: string;
  /** S3 calls fail (503) after `requestMs` without an answer, transfers after `idleMs` without a byte. */
  readonly s3Timeouts: { readonly requestMs: number; readonly idleMs: number };
  /** Answer S3 content requests with a 302 to a short-lived presigned URL. */
  readonly s3PresignedDownloads: boolean;
  /**
   * With local storage behind nginx: authorize content requests, then hand the bytes to
   * nginx with `X-Accel-Redirect: <prefix><blob key>` (an `internal` location).
   */
  readonly accelRedirectPrefix: string | undefined;
  readonly maxUploadBytes: number;
  /** Images larger than this (width × height, from the header) get no thumbnail and are never decoded. */
  readonly maxImagePixels: number;
  /** IMAGE_WORKERS: image-worker children that may decode at once (each one image at a time). */
  readonly imageWorkers: number;
  /** Below this much free space the blob store is reported low (/readyz, admin status). */
  readonly storageLowBytes: number;
  readonly trustProxy: boolean | string;
  /**
   * When set, X-Forwarded-* is believed only from requests that carry it in
   * `X-Coffer-Proxy-Secret` (the balancer adds it), whatever their address.
   */
  readonly proxySecret: string | undefined;
  /** Time to receive a request's headers. */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole non-upload (JSON) body. */
  readonly bodyTimeoutMs: number;
  /** An upload that sends less than 1 KiB for this long is aborted. */
  readonly uploadIdleTimeoutMs: number;
  readonly logLevel: string;
  readonly instanceId: string;
  readonly production: boolean;
  /** True when cookies must carry `Secure` (PUBLIC_URL is https). */
  readonly secureCookies: boolean;
  /** Authentication schemes in the order they are tried. */
  readonly authSchemes: readonly AuthScheme[];
  readonly jwt: JwtConfig;
  readonly auditRetentionDays: number;
  /** `POST /who` answers guests (WHO_ENABLED, default 1); 0 turns the finder off. */
  readonly whoEnabled: boolean;
  /** New photos and video posters get a `faces` job (FACES_ENABLED, default 1). */
  readonly facesEnabled: boolean;
  /** One photo may take this long in the face worker before it is stopped (FACE_TIMEOUT_SECONDS, default 30). */
  readonly faceTimeoutMs: number;
  /** Folder of the built web UI; absent when the UI was not built. */
  readonly webDir: string;
  readonly mail: MailConfig;
  readonly jobs: JobsConfig;
  /** What an upload of bytes the owner already has gets: kept and reported, or refused (409). */
  readonly duplicates: 'keep' | 'reject';
  readonly events: EventsConfig;
}

/** Live updates (`GET /api/v1/events`, features/events/). */
export interface EventsConfig {
  /** `inprocess:` (events reach only this process's streams) or `redis://…` (pub/sub across processes). */
  url: string;
  /** Open streams one user may hold on one instance; more answer 429. */
  maxStreamsPerUser: number;
  /** A comment line on every stream this often, so proxies and browsers keep it open. */
  heartbeatSeconds: number;
}

export interface MailConfig {
  /** `smtp://…` or `smtps://…`; absent: messages stay in the outbox and the log. */
  smtpUrl: string | undefined;
  from: string;
  /** SNS topics whose messages are accepted at /api/v1/webhooks/ses. */
  snsTopicArns: readonly string[];
  snsCertUrlPattern: RegExp | undefined;
  /** Transient bounces within 7 days that suppress an address. */
  softBounceLimit: number;
  requireEmailVerification: boolean;
  /** First retry delay of a message that could not be sent; each next one doubles. */
  retryBaseSeconds: number;
}

/** Background work (features/jobs/): where it is queued and how this process takes part. */
export interface JobsConfig {
  /** `inprocess:` (each process works what it finds in the database) or `redis://…` (BullMQ). */
  url: string;
  /** Whether this process works jobs; web instances may leave them to `coffer worker`. */
  worker: boolean;
  concurrency: number;
  timeoutSeconds: number;
  maxAttempts: number;
  /** The first retry's delay; each further one doubles it. */
  retrySeconds: number;
  /** How often unfinished work in the database is looked for and queued again. */
  sweepSeconds: number;
}

export const AUTH_SCHEMES = ['basic', 'token', 'jwt', 'session'] as const;
export type AuthScheme = (typeof AUTH_SCHEMES)[number];

export interface JwtConfig {
  algorithm: 'HS256' | 'EdDSA';
  /** PEM keys for EdDSA; HS256 derives its key from SECRET_KEY. */
  privateKeyPem?: string;
  publicKeyPem?: string;
  ttlSeconds: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

function fail(name: string, problem: string, example: string): never {
  throw new ConfigError(`${name} ${problem}; for example ${name}=${example}`);
}

function parseMetrics(env: Env, port: number): Config['metrics'] {
  const raw = env.METRICS_PORT;
  if (raw === undefined || raw === '') return undefined;
  const metricsPort = Number(raw);
  if (!/^\d+$/.test(raw) || metricsPort > 65535) fail('METRICS_PORT', `must be a whole number from 0 to 65535, not "${raw}"`, '9464');
  if (metricsPort !== 0 && metricsPort === port) fail('METRICS_PORT', `must differ from PORT (${port}): metrics have a listener of their own`, '9464');
  const host = env.METRICS_HOST ?? '127.0.0.1';
  if (host.trim() === '') fail('METRICS_HOST', 'must not be empty', '127.0.0.1');
  return { port: metricsPort, host };
}

function parsePort(env: Env): number {
  const raw = env.PORT ?? '8080';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) fail('PORT', `must be a whole number from 0 to 65535, not "${raw}"`, '8080');
  return port;
}

export function parseSize(raw: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  if (!match || unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

function parseCount(env: Env, name: string, fallback: number, max = 1000): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) fail(name, `must be a whole number from 1 to ${max}, not "${raw}"`, String(fallback));
  return Number(raw);
}

/** Seconds, fractions allowed (a millisecond at the least), as milliseconds. */
function parseSecondsMs(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback * 1000;
  const ms = Math.round(Number(raw) * 1000);
  if (!/^\d+(\.\d+)?$/.test(raw) || ms < 1 || ms > max * 1000) fail(name, `must be a number of seconds from 0.001 to ${max}, not "${raw}"`, String(fallback));
  return ms;
}

function parseFlag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  fail(name, `must be 1 or 0, not "${raw}"`, '1');
}

function parseJobs(env: Env): JobsConfig {
  const worker = env.JOBS_WORKER;
  if (worker !== undefined && worker !== '' && !['0', '1', 'true', 'false'].includes(worker)) fail('JOBS_WORKER', `must be 1 or 0, not "${worker}"`, '0');
  return {
    url: checkUrl('JOBS_URL', env.JOBS_URL || 'inprocess:', ['inprocess', 'redis', 'rediss'], 'redis://cache.internal:6379/0'),
    worker: worker === undefined || worker === '' || worker === '1' || worker === 'true',
    concurrency: parseCount(env, 'JOBS_CONCURRENCY', 2, 64),
    timeoutSeconds: parseCount(env, 'JOB_TIMEOUT_SECONDS', 120, 86_400),
    maxAttempts: parseCount(env, 'JOB_MAX_ATTEMPTS', 3, 100),
    retrySeconds: parseCount(env, 'JOB_RETRY_SECONDS', 30, 86_400),
    sweepSeconds: parseCount(env, 'JOBS_SWEEP_SECONDS', 10, 3600),
  };
}

function parseDuplicates(env: Env): Config['duplicates'] {
  const raw = env.DUPLICATES || 'keep';
  if (raw !== 'keep' && raw !== 'reject') fail('DUPLICATES', `must be keep or reject, not "${raw}"`, 'reject');
  return raw;
}

const isRedis = (url: string | undefined): url is string => url !== undefined && /^rediss?:/i.test(url);

/**
 * EVENTS_URL, or else the Redis the jobs or the sessions already use (JOBS_URL first), or
 * else in-process: a deployment with Redis gets events across instances without a new setting.
 */
function parseEvents(env: Env): EventsConfig {
  const url = env.EVENTS_URL || (isRedis(env.JOBS_URL) ? env.JOBS_URL : isRedis(env.SESSION_URL) ? env.SESSION_URL : 'inprocess:');
  return {
    url: checkUrl('EVENTS_URL', url, ['inprocess', 'redis', 'rediss'], 'redis://cache.internal:6379/0'),
    maxStreamsPerUser: parseCount(env, 'EVENTS_MAX_STREAMS_PER_USER', 8, 1000),
    heartbeatSeconds: parseCount(env, 'EVENTS_HEARTBEAT_SECONDS', 20, 3600),
  };
}

function parseAuthSchemes(env: Env): AuthScheme[] {
  const raw = env.AUTH_SCHEMES ?? AUTH_SCHEMES.join(',');
  const schemes = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = schemes.filter((s) => !(AUTH_SCHEMES as readonly string[]).includes(s));
  if (schemes.length === 0 || unknown.length > 0 || new Set(schemes).size !== schemes.length) {
    fail('AUTH_SCHEMES', `must list some of ${AUTH_SCHEMES.join(', ')} once each, not "${raw}"`, AUTH_SCHEMES.join(','));
  }
  return schemes as AuthScheme[];
}

function parseJwt(env: Env): JwtConfig {
  const algorithm = env.JWT_ALGORITHM ?? 'HS256';
  if (algorithm !== 'HS256' && algorithm !== 'EdDSA') fail('JWT_ALGORITHM', `must be HS256 or EdDSA, not "${algorithm}"`, 'EdDSA');
  const ttlSeconds = parseCount(env, 'JWT_TTL_SECONDS', 900, 86_400);
  if (algorithm === 'HS256') return { algorithm, ttlSeconds };
  const read = (name: string) => {
    const file = env[name];
    if (!file) fail(name, 'is required when JWT_ALGORITHM=EdDSA (a PEM file)', '/etc/coffer/jwt-ed25519.pem');
    try {
      return readFileSync(file, 'utf8');
    } catch {
      fail(name, `names a file that cannot be read ("${file}")`, '/etc/coffer/jwt-ed25519.pem');
    }
  };
  return { algorithm, ttlSeconds, privateKeyPem: read('JWT_PRIVATE_KEY_FILE'), publicKeyPem: read('JWT_PUBLIC_KEY_FILE') };
}

function parseMaxUpload(env: Env): number {
  const raw = env.MAX_UPLOAD_BYTES ?? '2GiB';
  const bytes = parseSize(raw);
  if (bytes === undefined || bytes < 1) fail('MAX_UPLOAD_BYTES', `must be a positive size in bytes (units k, M, G allowed), not "${raw}"`, '2GiB');
  return bytes;
}

function parseStorageLow(env: Env): number {
  const raw = env.STORAGE_LOW_BYTES ?? '1GiB';
  const bytes = parseSize(raw);
  if (bytes === undefined) fail('STORAGE_LOW_BYTES', `must be a size in bytes (units k, M, G allowed), not "${raw}"`, '1GiB');
  return bytes;
}

function parsePublicUrl(env: Env): string | undefined {
  const raw = env.PUBLIC_URL;
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail('PUBLIC_URL', `is not a URL ("${raw}")`, 'https://media.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('PUBLIC_URL', 'must start with http:// or https://', 'https://media.example.com');
  return url.origin;
}

function parseTrustProxy(env: Env): boolean | string {
  const raw = env.TRUST_PROXY;
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  if (!/^[0-9a-f.:/, ]+$/i.test(raw)) fail('TRUST_PROXY', `must be true, false or a list of proxy addresses, not "${raw}"`, '127.0.0.1');
  return raw;
}

function parseAccelRedirectPrefix(env: Env): string | undefined {
  const raw = env.ACCEL_REDIRECT_PREFIX;
  if (raw === undefined || raw === '') return undefined;
  // It becomes part of a header value and an nginx location: keep it to plain path characters.
  if (!/^(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+\/$/.test(raw)) fail('ACCEL_REDIRECT_PREFIX', `must be a URL path of plain segments that starts and ends with "/", not "${raw}"`, '/_protected_blobs/');
  return raw;
}

function parseProxySecret(env: Env): string | undefined {
  const raw = env.PROXY_SECRET;
  if (raw === undefined || raw === '') return undefined;
  // It travels in a header: printable characters only.
  if (raw.length < 32 || !/^[\x21-\x7e]+$/.test(raw)) fail('PROXY_SECRET', 'must be at least 32 printable characters without spaces', '$(openssl rand -hex 32)');
  return raw;
}

/** It names the instance in a response header and in the instance registry. */
function parseInstanceId(env: Env): string {
  const raw = env.INSTANCE_ID;
  if (raw === undefined || raw === '') return `coffer-${process.pid}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(raw)) fail('INSTANCE_ID', `must be 1 to 64 letters, digits, ".", "_" or "-", not "${raw}"`, 'coffer-1');
  return raw;
}

function parseMail(env: Env): MailConfig {
  const smtpUrl = env.SMTP_URL || undefined;
  if (smtpUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(smtpUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) fail('SMTP_URL', `must be smtp://[user:pass@]host[:port] or smtps://…, not "${smtpUrl.replace(/:[^:@/]*@/, ':***@')}"`, 'smtp://apikey:secret@smtp.example.com:587');
  }
  const from = env.MAIL_FROM || 'Coffer <coffer@localhost>';
  // One address, optionally with a display name; no line breaks (it becomes a header).
  if (!/^(?:[^<>\r\n@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(from)) fail('MAIL_FROM', `must be an address, optionally with a name, not "${from}"`, '"Coffer <coffer@media.example.com>"');
  const topics = (env.SES_SNS_TOPIC_ARNS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  for (const topic of topics) {
    if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topic)) fail('SES_SNS_TOPIC_ARNS', `must be comma-separated SNS topic ARNs, not "${topic}"`, 'arn:aws:sns:eu-west-1:123456789012:coffer-ses');
  }
  let snsCertUrlPattern: RegExp | undefined;
  if (env.SNS_CERT_URL_PATTERN) {
    try {
      // Anchored whatever was written: the pattern must match the whole URL.
      snsCertUrlPattern = new RegExp(`^(?:${env.SNS_CERT_URL_PATTERN})$`);
    } catch {
      fail('SNS_CERT_URL_PATTERN', `is not a regular expression ("${env.SNS_CERT_URL_PATTERN}")`, String.raw`'https://sns\.[a-z0-9-]+\.amazonaws\.com/.*\.pem'`);
    }
  }
  return {
    smtpUrl,
    from,
    snsTopicArns: Object.freeze(topics),
    snsCertUrlPattern,
    softBounceLimit: parseCount(env, 'MAIL_SOFT_BOUNCE_LIMIT', 3, 100),
    requireEmailVerification: parseFlag(env, 'REQUIRE_EMAIL_VERIFICATION'),
    retryBaseSeconds: parseCount(env, 'MAIL_RETRY_BASE_SECONDS', 30, 3600),
  };
}

function checkUrl(name: string, raw: string, schemes: string[], example: string): string {
  const scheme = raw.split(':', 1)[0]?.toLowerCase() ?? '';
  if (!schemes.includes(scheme)) fail(name, `uses "${scheme}:", which Coffer does not support (supported: ${schemes.map((s) => `${s}:`).join(', ')})`, example);
  return raw;
}

/**
 * SECRET_KEY signs tokens. Production must supply it; in development one is generated once
 * and kept in DATA_DIR (mode 0600) so restarts keep sessions and links valid.
 */
function resolveSecretKey(env: Env, dataDir: string, production: boolean): string {
  const given = env.SECRET_KEY;
  if (given !== undefined) {
    if (given.length < 32) fail('SECRET_KEY', 'must be at least 32 characters of random text', '$(openssl rand -hex 32)');
    return given;
  }
  if (production) fail('SECRET_KEY', 'is required when NODE_ENV=production', '$(openssl rand -hex 32)');
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const dataDir = path.resolve(env.DATA_DIR ?? './data');
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) fail('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`, 'info');
  const host = env.HOST ?? '127.0.0.1';
  if (host.trim() === '') fail('HOST', 'must not be empty', '127.0.0.1');
  const publicUrl = parsePublicUrl(env);

  const port = parsePort(env);
  const config: Config = {
    port,
    host,
    metrics: parseMetrics(env, port),
    dataDir,
    publicUrl,
    secretKey: resolveSecretKey(env, dataDir, production),
    databaseUrl: checkUrl('DATABASE_URL', env.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'coffer.db')}`, ['sqlite', 'postgres', 'postgresql', 'mysql', 'mariadb'], 'postgres://coffer@db.internal:5432/coffer'),
    databasePoolSize: parseCount(env, 'DATABASE_POOL_SIZE', 10),
    storageUrl: checkUrl('STORAGE_URL', env.STORAGE_URL ?? `file:${path.join(dataDir, 'blobs')}`, ['file', 's3'], 's3://coffer-media?region=eu-west-1'),
    sessionUrl: checkUrl('SESSION_URL', env.SESSION_URL ?? 'memory:', ['memory', 'redis', 'rediss', 'memcached'], 'redis://cache.internal:6379/0'),
    s3Timeouts: { requestMs: parseCount(env, 'S3_REQUEST_TIMEOUT_SECONDS', 5, 300) * 1000, idleMs: parseCount(env, 'S3_IDLE_TIMEOUT_SECONDS', 15, 3600) * 1000 },
    s3PresignedDownloads: parseFlag(env, 'S3_PRESIGNED_DOWNLOADS'),
    accelRedirectPrefix: parseAccelRedirectPrefix(env),
    maxUploadBytes: parseMaxUpload(env),
    maxImagePixels: parseCount(env, 'MAX_IMAGE_PIXELS', 40_000_000, 1_000_000_000),
    // As many as the jobs run at once by default (2), but no more children than cores.
    imageWorkers: parseCount(env, 'IMAGE_WORKERS', Math.min(2, os.availableParallelism()), 16),
    storageLowBytes: parseStorageLow(env),
    trustProxy: parseTrustProxy(env),
    proxySecret: parseProxySecret(env),
    headersTimeoutMs: parseCount(env, 'HEADERS_TIMEOUT_SECONDS', 20, 3600) * 1000,
    bodyTimeoutMs: parseCount(env, 'BODY_TIMEOUT_SECONDS', 10, 3600) * 1000,
    uploadIdleTimeoutMs: parseCount(env, 'UPLOAD_IDLE_TIMEOUT_SECONDS', 30, 3600) * 1000,
    logLevel,
    instanceId: parseInstanceId(env),
    production,
    secureCookies: publicUrl?.startsWith('https:') ?? false,
    authSchemes: parseAuthSchemes(env),
    jwt: parseJwt(env),
    auditRetentionDays: parseCount(env, 'AUDIT_RETENTION_DAYS', 365, 36_500),
    whoEnabled: env.WHO_ENABLED === undefined || env.WHO_ENABLED === '' ? true : parseFlag(env, 'WHO_ENABLED'),
    faceTimeoutMs: parseSecondsMs(env, 'FACE_TIMEOUT_SECONDS', 30, 600),
    facesEnabled: env.FACES_ENABLED === undefined || env.FACES_ENABLED === '' ? true : parseFlag(env, 'FACES_ENABLED'),
    // src/ and dist/ both sit one level below the package root.
    webDir: path.resolve(env.WEB_DIR ?? path.join(new URL('..', import.meta.url).pathname, 'dist', 'web')),
    mail: parseMail(env),
    jobs: parseJobs(env),
    duplicates: parseDuplicates(env),
    events: parseEvents(env),
  };
  return Object.freeze(config);
}
