import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { callerFromClaim, GROUPS, isClaim, OPEN, SCOPES, type Access, type Authenticator, type Caller, type Claim, type ObjectMode, type ObjectRule, type Verdict } from '../access/rules.js';
import type { Session, User } from '../domain/user.js';
import { Forbidden, NotFound, Unauthenticated, type ErrorBody } from '../errors.js';

// The rules live in src/access/; routes and authenticators have imported them from here.
export { AUTH, GROUP, GROUPS, OBJECT, OPEN, SCOPES, scopesOf } from '../access/rules.js';
export type { Access, Authenticator, Caller, Claim, ObjectMode, ObjectRule, Scope } from '../access/rules.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    caller: Caller | null;
    /** A credential whose account is read with the route's object (preHandler below). */
    pendingClaim: Claim | null;
    /** What the route's object rule loaded (a file and the caller's right to it). */
    accessObject: unknown;
    /** Set once the route's whole access rule has passed. */
    accessChecked: boolean;
  }
}

export interface AccessOptions {
  authenticators: Authenticator[];
  objects: Record<string, ObjectRule>;
  /** The account behind a claim, when no object query reads it (any route but an object read). */
  findAccount(userId: string): Promise<(User & { passwordHash: string }) | undefined>;
  /** The session's CSRF token against the one presented (accounts' constant-time check). */
  csrfMatches(session: Session, presented: string | undefined): boolean;
  /** PUBLIC_URL's origin: the only site whose pages may send unsafe requests. */
  publicOrigin?: string | undefined;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function accessPlugin(app: FastifyInstance, { authenticators, objects, findAccount, csrfMatches, publicOrigin }: AccessOptions): Promise<void> {
  app.decorateRequest('caller', null);
  app.decorateRequest('pendingClaim', null);
  app.decorateRequest('accessObject', null);
  app.decorateRequest('accessChecked', false);

  // Checked once every route is registered, so a plugin's routes can be given a level by
  // the context that registers them (see declareOpenRoutes below).
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onReady', async () => {
    for (const route of routes) assertDeclared(route, objects);
  });

  /**
   * A claim waits for the object query only on object reads without the `admin` scope:
   * nothing between the hooks needs the account there, and writes (some of which a later
   * onRequest hook checks, like the verified-email gate) keep the account from the start.
   */
  const settlesWithObject = (access: Access): boolean => access.kind === 'object' && access.mode === 'read' && access.scope !== 'admin' && objects[access.domain]?.loadsAccount === true;

  // 0. another site's page (403), 1. authentication (401) and 2. group and scope (403) run
  // before the body is read: an anonymous 2 GB upload is refused at its first byte.
  app.addHook('onRequest', async (request: FastifyRequest) => {
    refuseOtherSites(request, publicOrigin);
    const access = request.routeOptions.config.access;
    if (!access || access.kind === 'open') {
      request.accessChecked = access !== undefined;
      return;
    }
    const found = await authenticate(request, authenticators);
    if (!found) throw new Unauthenticated();
    let session: Session | undefined;
    if (isClaim(found) && settlesWithObject(access)) {
      request.pendingClaim = found;
      session = found.session;
      // Not `admin` (see settlesWithObject), so the account cannot narrow the granted scopes.
      if (access.scope && found.granted && ![...found.granted].includes(access.scope)) throw new Forbidden(`This token lacks the "${access.scope}" scope.`);
    } else {
      const caller = isClaim(found) ? await settle(found, await findAccount(found.userId)) : found;
      request.caller = caller;
      session = caller.session;
      if (access.kind === 'group' && !(access.group === 'admin' && caller.user.isAdmin)) throw new Forbidden(`Only members of the ${access.group} group can do this.`);
      if (access.scope && !caller.scopes.has(access.scope)) throw new Forbidden(`This token lacks the "${access.scope}" scope.`);
    }
    if (session && UNSAFE_METHODS.has(request.method) && !csrfMatches(session, request.headers['x-csrf-token']?.toString())) {
      throw new Forbidden('The X-CSRF-Token header is missing or wrong; reload the page and try again.');
    }
    if (access.kind !== 'object') request.accessChecked = true;
  });

  // 3. parameters (400) are validated between the hooks; 4. the object check (404/403),
  // which settles a pending claim (401) from the same query.
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access;
    if (access?.kind !== 'object') return;
    const claim = request.pendingClaim;
    const userId = request.caller?.user.id ?? claim?.userId;
    if (userId === undefined) return;
    const rule = objects[access.domain]!;
    const id = (request.params as Record<string, string>)[access.param];
    const outcome = id === undefined ? { verdict: 'hidden' as const } : await rule.check(userId, id, access.mode);
    if (claim) {
      request.caller = await settle(claim, rule.loadsAccount && id !== undefined ? outcome.account : await findAccount(userId));
      request.pendingClaim = null;
    }
    if (outcome.verdict === 'hidden') throw new NotFound(access.domain);
    if (outcome.verdict === 'denied') throw new Forbidden(`You can see this ${access.domain} but not change it.`);
    request.accessObject = outcome.object ?? null;
    request.accessChecked = true;
  });

  // A success from a route whose check never ran is a bug: refuse to send it.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 300 || reply.statusCode < 200 || request.accessChecked) return done(null, payload);
    request.log.error({ route: request.routeOptions.url }, 'a 2xx reply escaped the access check; answering 500');
    if (payload && typeof (payload as NodeJS.ReadableStream).pipe === 'function') (payload as unknown as { destroy(): void }).destroy();
    reply.code(500).type('application/json; charset=utf-8').removeHeader('content-length');
    done(null, JSON.stringify({ error: `Something went wrong on our side; it was logged with request id ${request.id}.`, code: 'internal_error' } satisfies ErrorBody));
  });
}

/** A claim becomes the caller when its account still accepts it; otherwise 401. */
async function settle(claim: Claim, account: (User & { passwordHash: string }) | undefined): Promise<Caller> {
  if (!account || !claim.accepts(account)) {
    await claim.rejected?.();
    throw new Unauthenticated();
  }
  await claim.accepted?.(account);
  return callerFromClaim(claim, account);
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

function assertDeclared(route: RouteOptions, objects: Record<string, ObjectRule>): void {
  const access = route.config?.access;
  const name = `${[route.method].flat().join(',')} ${route.url}`;
  if (access === undefined) throw new Error(`Route ${name} declares no access level (config.access); refusing to start.`);
  if (access.kind === 'group' && !(GROUPS as readonly string[]).includes(access.group)) throw new Error(`Route ${name} requires the unknown group "${access.group}".`);
  if (access.kind === 'object' && !objects[access.domain]) throw new Error(`Route ${name} checks objects of the unknown domain "${access.domain}".`);
  if (access.kind !== 'open' && access.scope && !(SCOPES as readonly string[]).includes(access.scope)) throw new Error(`Route ${name} requires the unknown scope "${access.scope}".`);
}

async function authenticate(request: FastifyRequest, authenticators: Authenticator[]): Promise<Caller | Claim | null> {
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
