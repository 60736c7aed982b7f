import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Forbidden } from '../../errors.js';
import { AUTH, callerOf, type Caller } from '../../plugins/access.js';
import { origin, type AuditLog } from '../audit/audit.log.js';
import { errorResponses, IdParams } from '../shared.schemas.js';
import type { JwtIssuer } from './jwt.js';
import { AccessToken, CreatedToken, CreateTokenBody, TokenList } from './tokens.schemas.js';
import { toTokenJson, type TokensService } from './tokens.service.js';

export interface TokensRoutesOptions {
  tokens: TokensService;
  jwt: JwtIssuer;
  audit: AuditLog;
}

/** Tokens are managed with the password (browser or Basic), never with another token. */
function passwordCaller(caller: Caller): Caller {
  if (caller.via === 'token' || caller.via === 'jwt') throw new Forbidden('Manage tokens while signed in with your password, not with a token.');
  return caller;
}

export const tokensRoutes: FastifyPluginAsyncTypebox<TokensRoutesOptions> = async (app, { tokens, jwt, audit }) => {
  app.post(
    '/tokens',
    { config: { access: AUTH() }, schema: { tags: ['tokens'], summary: 'Create a personal access token (its secret is shown once)', body: CreateTokenBody, response: { 201: CreatedToken, ...errorResponses(400, 401, 403) } } },
    async (request, reply) => {
      const { user } = passwordCaller(callerOf(request));
      const { token, secret } = await tokens.create(user, request.body);
      audit.record({ action: 'token.create', outcome: 'success', actor: user, target: `token:${token.id}`, details: { name: token.name, scopes: token.scopes }, ...origin(request) });
      return reply.status(201).send({ token: toTokenJson(token), secret });
    },
  );

  app.get(
    '/tokens',
    { config: { access: AUTH() }, schema: { tags: ['tokens'], summary: 'Your personal access tokens', response: { 200: TokenList, ...errorResponses(401, 403) } } },
    async (request) => ({ items: (await tokens.list(passwordCaller(callerOf(request)).user.id)).map(toTokenJson) }),
  );

  app.delete(
    '/tokens/:id',
    { config: { access: AUTH() }, schema: { tags: ['tokens'], summary: 'Revoke a token (at once, with the JWTs made from it)', params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const { user } = passwordCaller(callerOf(request));
      await tokens.revoke(user.id, request.params.id);
      audit.record({ action: 'token.revoke', outcome: 'success', actor: user, target: `token:${request.params.id}`, ...origin(request) });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/token',
    {
      config: { access: AUTH() },
      schema: { tags: ['tokens'], summary: 'Exchange Basic credentials or a personal access token for a short-lived JWT', response: { 200: AccessToken, ...errorResponses(401, 403) } },
    },
    async (request) => {
      const caller = callerOf(request);
      if (caller.via !== 'basic' && caller.via !== 'token') throw new Forbidden('Ask for an access token with Basic credentials or a personal access token.');
      const scopes = [...caller.scopes];
      const accessToken = await jwt.issue(caller.user.id, scopes, caller.tokenId ?? null);
      return { accessToken, tokenType: 'Bearer' as const, expiresIn: jwt.ttlSeconds, scope: scopes.join(' ') };
    },
  );
};
