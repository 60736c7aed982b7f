import type { FastifyRequest } from 'fastify';
import { Unauthenticated } from '../../errors.js';
import { scopesOf, type Authenticator } from '../../access/rules.js';
import type { AccountsService } from './accounts.service.js';
import { SESSION_COOKIE, type SessionsService } from './sessions.service.js';

/** The browser's scheme: the session cookie set by POST /auth/login. */
export function sessionAuthenticator(accounts: AccountsService, sessions: SessionsService): Authenticator {
  return {
    name: 'session',
    async authenticate(request: FastifyRequest) {
      const id = request.cookies[SESSION_COOKIE];
      if (!id) return 'absent';
      const session = await sessions.resolve(id);
      if (!session) return 'invalid';
      // The account is read once, later (alone or with the route's object): it must be
      // enabled, and "sign out everywhere" voids sessions made before it, in whatever store.
      return {
        userId: session.userId,
        via: 'session',
        session,
        accepts: (account) => !account.disabled && session.createdAt >= account.sessionsValidAfter,
        rejected: () => sessions.destroy(session.id),
      };
    },
  };
}

/** Programs' simplest scheme: `Authorization: Basic` with the username and password. */
export function basicAuthenticator(accounts: AccountsService): Authenticator {
  return {
    name: 'basic',
    async authenticate(request: FastifyRequest) {
      const header = request.headers.authorization;
      if (!header || !/^Basic\s/i.test(header)) return 'absent';
      const credentials = parseBasic(header);
      if (!credentials) return 'invalid';
      const claim = accounts.basicClaim(credentials.username, credentials.password);
      if (claim) return { ...claim, via: 'basic' };
      try {
        const user = await accounts.authenticateBasic(credentials.username, credentials.password, request.ip);
        return { user, via: 'basic', scopes: scopesOf(user) };
      } catch (error) {
        if (error instanceof Unauthenticated) return 'invalid';
        throw error;
      }
    },
  };
}

export function parseBasic(header: string): { username: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
