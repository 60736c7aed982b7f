import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

/**
 * A test client in the spirit of FlaskTester: `api.get(path, 200, { as: 'alice', auth:
 * 'bearer' })` sends the request with that user's credentials of that kind and asserts the
 * status. It runs in-process (app.inject) or against a live URL (fetch), unchanged.
 */
export type AuthKind = 'cookie' | 'basic' | 'token' | 'jwt' | 'none';

export interface Response {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  json(): any;
}

interface Transport {
  send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Response>;
}

function response(status: number, headers: Record<string, string>, body: Buffer): Response {
  return { status, headers, body, json: () => JSON.parse(body.toString('utf8')) };
}

export function injectTransport(app: FastifyInstance): Transport {
  return {
    async send(method, path, headers, body) {
      const reply = await app.inject({ method: method as 'GET', url: path, headers, ...(body !== undefined ? { payload: body } : {}) });
      return response(reply.statusCode, Object.fromEntries(Object.entries(reply.headers).map(([k, v]) => [k, String(v)])), reply.rawPayload);
    },
  };
}

export function httpTransport(baseUrl: string): Transport {
  return {
    async send(method, path, headers, body) {
      const reply = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      return response(reply.status, Object.fromEntries(reply.headers), Buffer.from(await reply.arrayBuffer()));
    },
  };
}

interface Credentials {
  username: string;
  password: string;
  cookie?: string;
  csrfToken?: string;
  token?: string;
  jwt?: string;
}

export interface RequestOptions {
  as?: string;
  auth?: AuthKind;
  body?: unknown;
  headers?: Record<string, string>;
}

export class ApiTester {
  private readonly users = new Map<string, Credentials>();

  constructor(private readonly transport: Transport) {}

  /** Registers a user (once) and remembers the password for every kind of credential. */
  async addUser(username: string, password = `${username}-password-1`): Promise<void> {
    const registered = await this.transport.send('POST', '/api/v1/auth/register', { 'content-type': 'application/json' }, JSON.stringify({ name: username, username, email: `${username}@example.com`, password }));
    if (registered.status !== 201 && registered.status !== 409) throw new Error(`register ${username}: ${registered.status} ${registered.body}`);
    this.users.set(username, { username, password });
  }

  /** Knows an existing account without registering it. */
  knowUser(username: string, password: string): void {
    this.users.set(username, { username, password });
  }

  /** Sets the personal access token `auth: 'token'` uses for this user. */
  useToken(username: string, token: string): void {
    this.credentials(username).token = token;
  }

  useJwt(username: string, jwt: string): void {
    this.credentials(username).jwt = jwt;
  }

  /** Forgets a user's session and JWT (after a password change, say). */
  forgetSession(username: string): void {
    const user = this.credentials(username);
    delete user.cookie;
    delete user.csrfToken;
    delete user.jwt;
  }

  async request(method: string, path: string, expectStatus: number | number[], options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.as && options.auth !== 'none') Object.assign(headers, await this.authHeaders(options.as, options.auth ?? 'basic', method));
    const reply = await this.transport.send(method, path, headers, options.body === undefined ? undefined : JSON.stringify(options.body));
    const expected = [expectStatus].flat();
    expect(expected, `${method} ${path} as ${options.as ?? 'anonymous'} (${options.auth ?? 'basic'}): ${reply.body.toString('utf8').slice(0, 300)}`).toContain(reply.status);
    return reply;
  }

  get = (path: string, status: number | number[], options?: RequestOptions) => this.request('GET', path, status, options);
  post = (path: string, status: number | number[], options?: RequestOptions) => this.request('POST', path, status, options);
  patch = (path: string, status: number | number[], options?: RequestOptions) => this.request('PATCH', path, status, options);
  delete = (path: string, status: number | number[], options?: RequestOptions) => this.request('DELETE', path, status, options);

  private credentials(username: string): Credentials {
    const user = this.users.get(username);
    if (!user) throw new Error(`unknown test user ${username}`);
    return user;
  }

  private async authHeaders(username: string, auth: AuthKind, method: string): Promise<Record<string, string>> {
    const user = this.credentials(username);
    const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    switch (auth) {
      case 'basic':
        return { authorization: basic };
      case 'cookie': {
        if (!user.cookie) {
          const login = await this.transport.send('POST', '/api/v1/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ username: user.username, password: user.password }));
          if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${login.body}`);
          user.cookie = /coffer_session=[^;]+/.exec(login.headers['set-cookie'] ?? '')![0];
          user.csrfToken = login.json().csrfToken;
        }
        return { cookie: user.cookie, ...(method === 'GET' || method === 'HEAD' ? {} : { 'x-csrf-token': user.csrfToken! }) };
      }
      case 'token': {
        if (!user.token) {
          const created = await this.transport.send('POST', '/api/v1/tokens', { authorization: basic, 'content-type': 'application/json' }, JSON.stringify({ name: 'tests', scopes: ['files:read', 'files:write', 'shares:write'] }));
          if (created.status !== 201) throw new Error(`token for ${username}: ${created.status} ${created.body}`);
          user.token = created.json().secret;
        }
        return { authorization: `Bearer ${user.token}` };
      }
      case 'jwt': {
        if (!user.jwt) {
          const issued = await this.transport.send('POST', '/api/v1/auth/token', { authorization: basic }, undefined);
          if (issued.status !== 200) throw new Error(`jwt for ${username}: ${issued.status} ${issued.body}`);
          user.jwt = issued.json().accessToken;
        }
        return { authorization: `Bearer ${user.jwt}` };
      }
      default:
        return {};
    }
  }
}
