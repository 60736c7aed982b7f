import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseSize } from '../../src/config.js';

const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'coffer-config-'));

describe('configuration', () => {
  it('reads the mail settings, with the outbox and no SNS topic by default', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).mail).toMatchObject({ smtpUrl: undefined, from: 'Coffer <coffer@localhost>', snsTopicArns: [], softBounceLimit: 3, requireEmailVerification: false });
    const mail = loadConfig({ DATA_DIR: dataDir(), SMTP_URL: 'smtps://u:p@smtp.example.com:465', SES_SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:a, arn:aws:sns:us-east-1:123456789012:b', SNS_CERT_URL_PATTERN: 'https://sns\\.x\\.pem' }).mail;
    expect(mail.snsTopicArns).toEqual(['arn:aws:sns:eu-west-1:123456789012:a', 'arn:aws:sns:us-east-1:123456789012:b']);
    // Anchored: a pattern cannot be satisfied by a URL that merely contains a match.
    expect(mail.snsCertUrlPattern!.test('https://sns.x.pem')).toBe(true);
    expect(mail.snsCertUrlPattern!.test('https://evil.example/?https://sns.x.pem')).toBe(false);
  });

  it('uses the embedded defaults', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', maxUploadBytes: 2 * 1024 ** 3, maxImagePixels: 40_000_000, sessionUrl: 'memory:', databaseUrl: `sqlite:${dir}/coffer.db`, storageUrl: `file:${dir}/blobs` });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('generates a development secret once, kept with mode 0600', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).secretKey;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(loadConfig({ DATA_DIR: dir }).secretKey).toBe(first);
    const file = path.join(dir, 'secret.key');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT must be a whole number.*for example PORT=8080$/],
    [{ PORT: '70000' }, /^PORT/],
    [{ MAX_UPLOAD_BYTES: 'lots' }, /^MAX_UPLOAD_BYTES .*for example MAX_UPLOAD_BYTES=2GiB$/],
    [{ MAX_IMAGE_PIXELS: '40MP' }, /^MAX_IMAGE_PIXELS must be a whole number from 1 to 1000000000, not "40MP"; for example MAX_IMAGE_PIXELS=40000000$/],
    [{ MAX_IMAGE_PIXELS: '0' }, /^MAX_IMAGE_PIXELS/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ SECRET_KEY: 'short' }, /^SECRET_KEY must be at least 32 characters/],
    [{ NODE_ENV: 'production' }, /^SECRET_KEY is required when NODE_ENV=production/],
    [{ PUBLIC_URL: 'media.example.com' }, /^PUBLIC_URL is not a URL/],
    [{ DATABASE_URL: 'oracle://db' }, /^DATABASE_URL uses "oracle:"/],
    [{ TRUST_PROXY: 'everyone!' }, /^TRUST_PROXY/],
    [{ ACCEL_REDIRECT_PREFIX: '_protected_blobs' }, /^ACCEL_REDIRECT_PREFIX must be a URL path .*for example ACCEL_REDIRECT_PREFIX=\/_protected_blobs\/$/],
    [{ ACCEL_REDIRECT_PREFIX: '/a/../b/' }, /^ACCEL_REDIRECT_PREFIX/],
    [{ INSTANCE_ID: 'web 1\r\nX-Evil: 1' }, /^INSTANCE_ID must be 1 to 64 letters/],
    [{ METRICS_PORT: 'ninety' }, /^METRICS_PORT must be a whole number.*for example METRICS_PORT=9464$/],
    [{ PORT: '8080', METRICS_PORT: '8080' }, /^METRICS_PORT must differ from PORT/],
    [{ S3_IDLE_TIMEOUT_SECONDS: '0' }, /^S3_IDLE_TIMEOUT_SECONDS must be a whole number from 1/],
    [{ STORAGE_LOW_BYTES: 'plenty' }, /^STORAGE_LOW_BYTES must be a size/],
    [{ SMTP_URL: 'http://mail.example.com' }, /^SMTP_URL must be smtp:/],
    [{ SMTP_URL: 'smtp://user:hunter2@' }, /^SMTP_URL must be .*user:\*\*\*@/],
    [{ MAIL_FROM: 'Coffer\r\nBcc: x@y.z <a@b.c>' }, /^MAIL_FROM must be an address/],
    [{ SES_SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:ok,not-an-arn' }, /^SES_SNS_TOPIC_ARNS must be comma-separated SNS topic ARNs, not "not-an-arn"/],
    [{ SNS_CERT_URL_PATTERN: 'https://(unclosed' }, /^SNS_CERT_URL_PATTERN is not a regular expression/],
    [{ MAIL_SOFT_BOUNCE_LIMIT: '0' }, /^MAIL_SOFT_BOUNCE_LIMIT must be a whole number from 1/],
    [{ REQUIRE_EMAIL_VERIFICATION: 'yes' }, /^REQUIRE_EMAIL_VERIFICATION must be 1 or 0/],
  ])('stops on a bad value with a sentence naming it: %o', (env, message) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(message);
  });

  it('reads sizes with units', () => {
    expect(parseSize('100')).toBe(100);
    expect(parseSize('100k')).toBe(102_400);
    expect(parseSize('1.5 GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('2 GB')).toBe(2 * 1024 ** 3);
    expect(parseSize('ten')).toBeUndefined();
    expect(parseSize('5 parsecs')).toBeUndefined();
  });

  it('opens no metrics listener unless METRICS_PORT is set, on loopback by default', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).metrics).toBeUndefined();
    expect(loadConfig({ DATA_DIR: dataDir(), METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
  });

  it('keeps and reports duplicates by default; DUPLICATES=reject refuses them', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).duplicates).toBe('keep');
    expect(loadConfig({ DATA_DIR: dataDir(), DUPLICATES: 'reject' }).duplicates).toBe('reject');
    expect(() => loadConfig({ DATA_DIR: dataDir(), DUPLICATES: 'skip' })).toThrow(/^DUPLICATES must be keep or reject, not "skip"; for example DUPLICATES=reject$/);
  });

  it('carries live events in-process, or on the Redis of EVENTS_URL, JOBS_URL or SESSION_URL in that order', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).events).toEqual({ url: 'inprocess:', maxStreamsPerUser: 8, heartbeatSeconds: 20 });
    expect(loadConfig({ DATA_DIR: dataDir(), SESSION_URL: 'memcached://m:11211' }).events.url).toBe('inprocess:');
    expect(loadConfig({ DATA_DIR: dataDir(), SESSION_URL: 'redis://s:6379/0' }).events.url).toBe('redis://s:6379/0');
    expect(loadConfig({ DATA_DIR: dataDir(), SESSION_URL: 'redis://s:6379/0', JOBS_URL: 'rediss://j:6380/1' }).events.url).toBe('rediss://j:6380/1');
    expect(loadConfig({ DATA_DIR: dataDir(), SESSION_URL: 'redis://s:6379/0', EVENTS_URL: 'inprocess:' }).events.url).toBe('inprocess:');
    expect(loadConfig({ DATA_DIR: dataDir(), EVENTS_MAX_STREAMS_PER_USER: '3', EVENTS_HEARTBEAT_SECONDS: '5' }).events).toMatchObject({ maxStreamsPerUser: 3, heartbeatSeconds: 5 });
    expect(() => loadConfig({ DATA_DIR: dataDir(), EVENTS_URL: 'nats://q' })).toThrow(/^EVENTS_URL uses "nats:"/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), EVENTS_MAX_STREAMS_PER_USER: '0' })).toThrow(/^EVENTS_MAX_STREAMS_PER_USER must be a whole number from 1 to 1000/);
  });

  it('reads the job settings, in-process and working by default, and refuses bad ones', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).jobs).toEqual({ url: 'inprocess:', worker: true, concurrency: 2, timeoutSeconds: 120, maxAttempts: 3, retrySeconds: 30, sweepSeconds: 10 });
    const set = loadConfig({ DATA_DIR: dataDir(), JOBS_URL: 'redis://cache:6379/1?prefix=x', JOBS_WORKER: '0', JOBS_CONCURRENCY: '4', JOB_TIMEOUT_SECONDS: '30' }).jobs;
    expect(set).toMatchObject({ url: 'redis://cache:6379/1?prefix=x', worker: false, concurrency: 4, timeoutSeconds: 30 });
    expect(() => loadConfig({ DATA_DIR: dataDir(), JOBS_URL: 'amqp://mq' })).toThrow(/JOBS_URL uses "amqp:"/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), JOBS_WORKER: 'yes' })).toThrow(/JOBS_WORKER must be 1 or 0/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), JOBS_CONCURRENCY: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir(), JOB_TIMEOUT_SECONDS: '1.5' })).toThrow(/JOB_TIMEOUT_SECONDS/);
  });

  it('reads the face time limit in seconds, fractions allowed', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).faceTimeoutMs).toBe(30_000);
    expect(loadConfig({ DATA_DIR: dataDir(), FACE_TIMEOUT_SECONDS: '2.5' }).faceTimeoutMs).toBe(2500);
    expect(() => loadConfig({ DATA_DIR: dataDir(), FACE_TIMEOUT_SECONDS: '0' })).toThrow(/FACE_TIMEOUT_SECONDS must be a number of seconds/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), FACE_TIMEOUT_SECONDS: '1e3' })).toThrow(ConfigError);
  });

  it('reads the X-Accel-Redirect prefix, off by default', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).accelRedirectPrefix).toBeUndefined();
    expect(loadConfig({ DATA_DIR: dataDir(), ACCEL_REDIRECT_PREFIX: '/_protected_blobs/' }).accelRedirectPrefix).toBe('/_protected_blobs/');
  });

  it('marks cookies Secure only under an https PUBLIC_URL', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), PUBLIC_URL: 'https://x.example/' }).secureCookies).toBe(true);
    expect(loadConfig({ DATA_DIR: dataDir(), PUBLIC_URL: 'http://x.example/' }).secureCookies).toBe(false);
  });
});
