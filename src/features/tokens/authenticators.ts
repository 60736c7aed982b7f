import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../../access/rules.js';
import { originOf } from '../request-origin.js';
import type { JwtIssuer } from './jwt.js';
import { TOKEN_PREFIX, type TokensService } from './tokens.service.js';

function bearer(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/**
 * `Authorization: Bearer coffer_pat_…`: a personal access token. A claim: its account is
 * read once, later, with the file of a content request (see Claim).
 */
export function tokenAuthenticator(tokens: TokensService): Authenticator {
  return {
    name: 'token',
    async authenticate(request) {
      const secret = bearer(request);
      if (!secret?.startsWith(TOKEN_PREFIX)) return 'absent';
      const token = await tokens.findCurrent(secret);
      if (!token) return 'invalid';
      return {
        userId: token.userId,
        via: 'token',
        granted: token.scopes,
        tokenId: token.id,
        accepts: (account) => !account.disabled,
        accepted: (user) => tokens.recordUse(token, user, originOf(request)),
      };
    },
  };
}

/**
 * `Authorization: Bearer <JWT>`. Checked against the live account on every call, so
 * disabling a user, signing them out everywhere or revoking the token a JWT was made from
 * takes effect at once, not at expiry.
 */
export function jwtAuthenticator(issuer: JwtIssuer, tokens: TokensService): Authenticator {
  return {
    name: 'jwt',
    async authenticate(request) {
      const token = bearer(request);
      if (!token || token.startsWith(TOKEN_PREFIX)) return 'absent';
      const claims = await issuer.verify(token);
      if (!claims) return 'invalid';
      if (claims.family && !(await tokens.isCurrent(claims.family))) return 'invalid';
      // The account is read once, later (see Claim): enabled, and not signed out everywhere since.
      return {
        userId: claims.userId,
        via: 'jwt',
        granted: claims.scopes,
        ...(claims.family ? { tokenId: claims.family } : {}),
        accepts: (account) => !account.disabled && claims.issuedAtMs >= account.sessionsValidAfter,
      };
    },
  };
}
