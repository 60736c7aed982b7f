import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { Forbidden, NotFound, Unauthenticated } from '../errors.js';
import type { User } from '../features/accounts/accounts.service.js';
import { csrfTokenMatches, type Session } from '../features/accounts/sessions.service.js';

/** What a program's token may do. Browsers and Basic credentials get every scope the user has. */
export const SCOPES = ['files:read', 'files:write', 'shares:write', 'admin', 'webhooks:ses'] as const;
export type Scope = (typeof SCOPES)[number];

/** The groups a route may require. `admin` is the users flagged as administrators. */
export const GROUPS = ['admin'] as const;

export type ObjectMode = 'read' | 'write';

/**
 * Who may call a route. Every route declares one in `config.access`; the app refuses to
 * boot if a route declares none, names an unknown group, or an object domain nobody checks.
 */
export type Access =
  | { kind: 'open' }
  | { kind: 'auth'; scope?: Scope }
  | { kind: 'group'; group: string; scope?: Scope }
  | { kind: 'object'; domain: string; param: string; mode: ObjectMode; scope?: Scope };

export const OPEN: Access = { kind: 'open' };
export const AUTH = (scope?: Scope): Access => ({ kind: 'auth', ...(scope ? { scope } : {}) });
export const GROUP = (group: string, scope?: Scope): Access => ({ kind: 'group', group, ...(scope ? { scope } : {}) });
export const OBJECT = (domain: string, param: string, mode: ObjectMode, scope?: Scope): Access => ({ kind: 'object', domain, param, mode, ...(scope ? { scope } : {}) });

export interface Caller {
  user: User;
  via: 'session' | 'basic' | 'token' | 'jwt';
  scopes: ReadonlySet<Scope>;
  session?: Session;
  /** The personal access token behind a token or JWT call. */
  tokenId?: string;
}

/**
 * One authentication scheme. `absent` when the request carries no credentials of this kind,
 * `invalid` when it carries bad ones (a 401 at once: a bad credential never falls through
 * to a weaker one).
 */
export interface Authenticator {
  name: string;
  authenticate(request: FastifyRequest): Promise<Caller | 'absent' | 'invalid'>;
}

/** Decides whether a caller may read or write one object of a domain. */
export type ObjectCheck = (caller: Caller, id: string, mode: ObjectMode) => Promise<'allowed' | 'hidden' | 'denied'>;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    caller: Caller | null;
    /** Set once the route's whole access rule has passed. */
    accessChecked: boolean;
  }
}

export interface AccessOptions {
  authenticators: Authenticator[];
  objectChecks: Record<string, ObjectCheck>;
  /** PUBLIC_URL's origin: the only site whose pages may send unsafe requests. */
  publicOrigin?: string | undefined;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function scopesOf(user: User, granted: Iterable<Scope> = SCOPES): Set<Scope> {
  return new Set([...granted].filter((scope) => scope !== 'admin' || user.isAdmin));
}

async function accessPlugin(app: FastifyInstance, { authenticators, objectChecks, publicOrigin }: AccessOptions): Promise<void> {
  app.decorateRequest('caller', null);
  app.decorateRequest('accessChecked', false);

  // Checked once every route is registered, so a plugin's routes can be given a level by
  // the context that registers them (see declareOpenRoutes below).
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onReady', async () => {
    for (const route of routes) assertDeclared(route, objectChecks);
  });

  // 0. another site's page (403), 1. authentication (401) and 2. group and scope (403) run
  // before the body is read: an anonymous 2 GB upload is refused at its first byte.
  app.addHook('onRequest', async (request: FastifyRequest) => {
    refuseOtherSites(request, publicOrigin);
    const access = request.routeOptions.config.access;
    if (!access || access.kind === 'open') {
      request.accessChecked = access !== undefined;
      return;
    }
    request.caller = await authenticate(request, authenticators);
    if (!request.caller) throw new Unauthenticated();
    const { caller } = request;
    if (access.kind === 'group' && !(access.group === 'admin' && caller.user.isAdmin)) throw new Forbidden(`Only members of the ${access.group} group can do this.`);
    if (access.scope && !caller.scopes.has(access.scope)) throw new Forbidden(`This token lacks the "${access.scope}" scope.`);
    if (caller.session && UNSAFE_METHODS.has(request.method) && !csrfTokenMatches(caller.session, request.headers['x-csrf-token']?.toString())) {
      throw new Forbidden('The X-CSRF-Token header is missing or wrong; reload the page and try again.');
    }
    if (access.kind !== 'object') request.accessChecked = true;
  });

  // 3. parameters (400) are validated between the hooks; 4. the object check (404/403).
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access;
    if (access?.kind !== 'object' || !request.caller) return;
    const id = (request.params as Record<string, string>)[access.param];
    const verdict = id === undefined ? 'hidden' : await objectChecks[access.domain]!(request.caller, id, access.mode);
    if (verdict === 'hidden') throw new NotFound(access.domain);
    if (verdict === 'denied') throw new Forbidden(`You can see this ${access.domain} but not change it.`);
    request.accessChecked = true;
  });

  // A success from a route whose check never ran is a bug: refuse to send it.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 300 || reply.statusCode < 200 || request.accessChecked) return payload;
    request.log.error({ route: request.routeOptions.url }, 'a 2xx reply escaped the access check; answering 500');
    if (payload && typeof (payload as NodeJS.ReadableStream).pipe === 'function') (payload as unknown as { destroy(): void }).destroy();
    reply.code(500).type('application/json; charset=utf-8').removeHeader('content-length');
    return JSON.stringify({ error: `Something went wrong on our side; it was logged with request id ${request.id}.`, code: 'internal_error' });
  });
}

/**
 * A browser may hold credentials for Coffer (a session cookie, Basic credentials typed into
 * its dialog) and send them with a form another site posts. Browsers say where a request
 * comes from, so an unsafe request from any other site is refused, whatever it carries.
 * Same-site is refused too: a sibling subdomain may serve anyone's content. Programs send
 * neither header and are not concerned.
 */
function refuseOtherSites(request: FastifyRequest, publicOrigin: string | undefined): void {
  if (!UNSAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  if (site === 'cross-site' || site === 'same-site' || (origin !== undefined && !isOwnOrigin(origin, request, publicOrigin))) {
    throw new Forbidden('Requests from another site cannot change anything here; open Coffer itself and try again.');
  }
}

/** PUBLIC_URL's origin when set, otherwise the host the request was sent to. */
function isOwnOrigin(origin: string, request: FastifyRequest, publicOrigin: string | undefined): boolean {
  if (publicOrigin !== undefined) return origin === publicOrigin;
  try {
    // Through URL on both sides, so default ports compare equal ("host:80" and "host").
    return new URL(origin).host === new URL(`${request.protocol}://${request.host}`).host;
  } catch {
    return false; // "null" (a sandboxed or privacy-stripped origin) or garbage
  }
}

function assertDeclared(route: RouteOptions, objectChecks: Record<string, ObjectCheck>): void {
  const access = route.config?.access;
  const name = `${[route.method].flat().join(',')} ${route.url}`;
  if (access === undefined) throw new Error(`Route ${name} declares no access level (config.access); refusing to start.`);
  if (access.kind === 'group' && !(GROUPS as readonly string[]).includes(access.group)) throw new Error(`Route ${name} requires the unknown group "${access.group}".`);
  if (access.kind === 'object' && !objectChecks[access.domain]) throw new Error(`Route ${name} checks objects of the unknown domain "${access.domain}".`);
  if (access.kind !== 'open' && access.scope && !(SCOPES as readonly string[]).includes(access.scope)) throw new Error(`Route ${name} requires the unknown scope "${access.scope}".`);
}

async function authenticate(request: FastifyRequest, authenticators: Authenticator[]): Promise<Caller | null> {
  for (const authenticator of authenticators) {
    const result = await authenticator.authenticate(request);
    if (result === 'absent') continue;
    return result === 'invalid' ? null : result;
  }
  return null;
}

/** The signed-in caller of a route that is not `open` (the hook above guarantees one). */
export function callerOf(request: FastifyRequest): Caller {
  // Reaching here without a caller means a route declared `open` but needs a user: a bug.
  if (!request.caller) throw new Error(`${request.method} ${request.url} needs a caller but is declared open`);
  return request.caller;
}

/**
 * For routes registered by third-party plugins (static files, the API reference): call in
 * the encapsulated context that registers them to declare them all `open`.
 */
export function declareOpenRoutes(context: FastifyInstance): void {
  context.addHook('onRoute', (route) => {
    route.config = { ...route.config, access: route.config?.access ?? OPEN };
  });
}

export default fp(accessPlugin, { name: 'access', dependencies: ['@fastify/cookie'] });
