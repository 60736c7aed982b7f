import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseSize } from '../../src/config.js';

const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'coffer-config-'));

describe('configuration', () => {
  it('uses the embedded defaults', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', maxUploadBytes: 2 * 1024 ** 3, sessionUrl: 'memory:', databaseUrl: `sqlite:${dir}/coffer.db`, storageUrl: `file:${dir}/blobs` });
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
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ SECRET_KEY: 'short' }, /^SECRET_KEY must be at least 32 characters/],
    [{ NODE_ENV: 'production' }, /^SECRET_KEY is required when NODE_ENV=production/],
    [{ PUBLIC_URL: 'media.example.com' }, /^PUBLIC_URL is not a URL/],
    [{ DATABASE_URL: 'oracle://db' }, /^DATABASE_URL uses "oracle:"/],
    [{ TRUST_PROXY: 'everyone!' }, /^TRUST_PROXY/],
    [{ ACCEL_REDIRECT_PREFIX: '_protected_blobs' }, /^ACCEL_REDIRECT_PREFIX must be a URL path .*for example ACCEL_REDIRECT_PREFIX=\/_protected_blobs\/$/],
    [{ ACCEL_REDIRECT_PREFIX: '/a/../b/' }, /^ACCEL_REDIRECT_PREFIX/],
    [{ INSTANCE_ID: 'web 1\r\nX-Evil: 1' }, /^INSTANCE_ID must be 1 to 64 letters/],
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

  it('reads the job settings, in-process and working by default, and refuses bad ones', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).jobs).toEqual({ url: 'inprocess:', worker: true, concurrency: 2, timeoutSeconds: 120, maxAttempts: 3, retrySeconds: 30, sweepSeconds: 10 });
    const set = loadConfig({ DATA_DIR: dataDir(), JOBS_URL: 'redis://cache:6379/1?prefix=x', JOBS_WORKER: '0', JOBS_CONCURRENCY: '4', JOB_TIMEOUT_SECONDS: '30' }).jobs;
    expect(set).toMatchObject({ url: 'redis://cache:6379/1?prefix=x', worker: false, concurrency: 4, timeoutSeconds: 30 });
    expect(() => loadConfig({ DATA_DIR: dataDir(), JOBS_URL: 'amqp://mq' })).toThrow(/JOBS_URL uses "amqp:"/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), JOBS_WORKER: 'yes' })).toThrow(/JOBS_WORKER must be 1 or 0/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), JOBS_CONCURRENCY: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir(), JOB_TIMEOUT_SECONDS: '1.5' })).toThrow(/JOB_TIMEOUT_SECONDS/);
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
