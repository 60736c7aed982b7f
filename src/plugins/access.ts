import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { Forbidden, Unauthenticated } from '../errors.js';
import type { AccountsService, User } from '../features/accounts/accounts.service.js';
import { csrfTokenMatches, type Session, type SessionsService } from '../features/accounts/sessions.service.js';

/**
 * Who may call a route. Every route declares one in `config.access`; a route without one
 * stops the app from booting, so nothing is reachable by accident.
 *  - open:  anyone, no credentials needed
 *  - auth:  any signed-in user (session cookie or HTTP Basic)
 *  - admin: members of the admin group
 */
export type Access = 'open' | 'auth' | 'admin';
const ACCESS_LEVELS: readonly Access[] = ['open', 'auth', 'admin'];

export interface Caller {
  user: User;
  via: 'session' | 'basic';
  session?: Session;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export const SESSION_COOKIE = 'coffer_session';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AccessOptions {
  accounts: AccountsService;
  sessions: SessionsService;
}

async function accessPlugin(app: FastifyInstance, { accounts, sessions }: AccessOptions): Promise<void> {
  app.decorateRequest('caller', null);

  // Checked once every route is registered, so a plugin's routes can be given a level by
  // the context that registers them (see openAccess below).
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onReady', async () => {
    for (const route of routes) {
      const access = route.config?.access;
      const name = `${[route.method].flat().join(',')} ${route.url}`;
      if (access === undefined) throw new Error(`Route ${name} declares no access level (config.access); refusing to start.`);
      if (!ACCESS_LEVELS.includes(access)) throw new Error(`Route ${name} declares an unknown access level "${String(access)}".`);
    }
  });

  // Runs before the body is read: an anonymous 2 GB upload is refused at its first byte.
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config.access;
    if (access === 'open' || access === undefined) return;
    request.caller = await authenticate(request, accounts, sessions);
    if (!request.caller) {
      if (request.cookies[SESSION_COOKIE]) reply.clearCookie(SESSION_COOKIE, { path: '/' });
      throw new Unauthenticated();
    }
    if (access === 'admin' && !request.caller.user.isAdmin) throw new Forbidden('Only administrators can do this.');
    const { session } = request.caller;
    if (session && UNSAFE_METHODS.has(request.method) && !csrfTokenMatches(session, request.headers['x-csrf-token'] as string | undefined)) {
      throw new Forbidden('The X-CSRF-Token header is missing or wrong; reload the page and try again.');
    }
  });
}

async function authenticate(request: FastifyRequest, accounts: AccountsService, sessions: SessionsService): Promise<Caller | null> {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    // Explicit credentials win over a cookie and are judged on their own: a bad one is a 401.
    const basic = parseBasic(authorization);
    if (!basic) return null;
    const user = await accounts.authenticate(basic.username, basic.password, request.ip);
    return { user, via: 'basic' };
  }
  const sessionId = request.cookies[SESSION_COOKIE];
  if (!sessionId) return null;
  const session = await sessions.resolve(sessionId);
  if (!session) return null;
  const user = await accounts.findActiveUser(session.userId);
  if (!user || session.createdAt < user.sessionsValidAfter) {
    await sessions.destroy(session.id);
    return null;
  }
  return { user, via: 'session', session };
}

function parseBasic(header: string): { username: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The signed-in caller of an `auth` or `admin` route (the hook above guarantees one). */
export function callerOf(request: FastifyRequest): Caller {
  // Reaching here without a caller means a route declared `open` but needs a user: a bug.
  if (!request.caller) throw new Error(`${request.method} ${request.url} needs a caller but is declared open`);
  return request.caller;
}

export default fp(accessPlugin, { name: 'access', dependencies: ['@fastify/cookie'] });

/**
 * For routes registered by third-party plugins (static files, the API reference): call in
 * the encapsulated context that registers them to declare them all `open`.
 */
export function declareOpenRoutes(context: FastifyInstance): void {
  context.addHook('onRoute', (route) => {
    route.config = { ...route.config, access: route.config?.access ?? 'open' };
  });
}
