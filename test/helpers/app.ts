import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyServerOptions, LightMyRequestResponse } from 'fastify';
import { buildComposedApp, type Composition } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clock } from '../../src/shared/clock.js';
import { provisionBackends } from './backends.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

export interface TestApp {
  app: FastifyInstance;
  /** What the app is made of (compose.ts): its backends, services and audit log. */
  services: Composition;
  config: Config;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The real app on the backends of the test profile (embedded by default), each part fresh:
 * a temporary DATA_DIR and, per profile, a new database, bucket and session key prefix.
 */
export async function createTestApp(env: Record<string, string> = {}, options: { clock?: Clock; logger?: FastifyServerOptions['logger'] } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-test-'));
  const backends = await provisionBackends();
  // The face step loads a ~0.5 GB model per app: only the tests about faces turn it on.
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: process.env.DEBUG_LOG ? 'debug' : 'silent', FACES_ENABLED: '0', ...backends.env, ...env });
  const { fastify: app, composition } = await buildComposedApp(config, options.logger, options.clock);
  return {
    app,
    services: composition,
    config,
    dataDir,
    async close() {
      await app.close();
      await backends.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Account {
  username: string;
  password: string;
  cookie: string;
  csrfToken: string;
  /** `Authorization` header value for HTTP Basic. */
  basic: string;
}

let counter = 0;

/** Registers and signs in a fresh user. */
export async function signUp(app: FastifyInstance, username = `user${process.pid}x${++counter}`): Promise<Account> {
  const password = `correct horse ${username}`;
  const registered = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { name: `Test ${username}`, username, email: `${username}@example.com`, password } });
  if (registered.statusCode !== 201) throw new Error(`register failed: ${registered.statusCode} ${registered.body}`);
  return signIn(app, username, password);
}

export async function signIn(app: FastifyInstance, username: string, password: string): Promise<Account> {
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  const cookie = sessionCookie(login);
  return { username, password, cookie, csrfToken: login.json().csrfToken, basic: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

export function sessionCookie(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'coffer_session');
  if (!cookie) throw new Error('no session cookie in the response');
  return `coffer_session=${cookie.value}`;
}

/** Headers for a cookie-authenticated write. */
export function asBrowser(account: Account): Record<string, string> {
  return { cookie: account.cookie, 'x-csrf-token': account.csrfToken };
}

export interface Part {
  name?: string;
  filename: string;
  content: Buffer;
  contentType?: string;
}

/** A multipart/form-data body, for inject(). */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----coffer${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.name ?? 'file'}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      part.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export function fixture(name: string): Promise<Buffer> {
  return readFile(path.join(FIXTURES, name));
}
