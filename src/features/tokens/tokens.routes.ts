import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AUTH, callerOf } from '../../plugins/access.js';
import { originOf } from '../request-origin.js';
import { errorResponses, IdParams } from '../shared.schemas.js';
import { AccessToken, CreatedToken, CreateTokenBody, TokenList } from './tokens.schemas.js';
import { toTokenJson, type TokensService } from './tokens.service.js';

export interface TokensRoutesOptions {
  tokens: TokensService;
}

export const tokensRoutes: FastifyPluginAsyncTypebox<TokensRoutesOptions> = async (app, { tokens }) => {
  app.post(
    '/tokens',
    { config: { access: AUTH() }, schema: { tags: ['tokens'], summary: 'Create a personal access token (its secret is shown once)', body: CreateTokenBody, response: { 201: CreatedToken, ...errorResponses(400, 401, 403) } } },
    async (request, reply) => {
      const { token, secret } = await tokens.create(callerOf(request), request.body, originOf(request));
      return reply.status(201).send({ token: toTokenJson(token), secret });
    },
  );

  app.get(
    '/tokens',
    { config: { access: AUTH() }, schema: { tags: ['tokens'], summary: 'Your personal access tokens', response: { 200: TokenList, ...errorResponses(401, 403) } } },
    async (request) => ({ items: (await tokens.list(callerOf(request))).map(toTokenJson) }),
  );

  app.delete(
    '/tokens/:id',
    { config: { access: AUTH() }, schema: { tags: ['tokens'], summary: 'Revoke a token (at once, with the JWTs made from it)', params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      await tokens.revoke(callerOf(request), request.params.id, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/token',
    {
      config: { access: AUTH() },
      schema: { tags: ['tokens'], summary: 'Exchange Basic credentials or a personal access token for a short-lived JWT', response: { 200: AccessToken, ...errorResponses(401, 403) } },
    },
    async (request) => tokens.issueAccessToken(callerOf(request)),
  );
};
