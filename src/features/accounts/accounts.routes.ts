import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf, SESSION_COOKIE } from '../../plugins/access.js';
import { errorResponses } from '../shared.schemas.js';
import { LoginBody, LogoutQuery, RegisterBody, SessionEnvelope, UserEnvelope } from './accounts.schemas.js';
import { toPublicUser, type AccountsService } from './accounts.service.js';
import type { SessionsService } from './sessions.service.js';

export interface AccountsRoutesOptions {
  accounts: AccountsService;
  sessions: SessionsService;
  secureCookies: boolean;
}

export const accountsRoutes: FastifyPluginAsyncTypebox<AccountsRoutesOptions> = async (app, { accounts, sessions, secureCookies }) => {
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies } as const;

  app.post(
    '/auth/register',
    {
      config: { access: 'open' },
      schema: { tags: ['accounts'], summary: 'Create an account', body: RegisterBody, response: { 201: UserEnvelope, ...errorResponses(400, 409) } },
    },
    async (request, reply) => {
      const user = await accounts.register(request.body);
      return reply.status(201).send({ user });
    },
  );

  app.post(
    '/auth/login',
    {
      config: { access: 'open' },
      schema: { tags: ['accounts'], summary: 'Sign in and receive a session cookie', body: LoginBody, response: { 200: SessionEnvelope, ...errorResponses(400, 401, 429) } },
    },
    async (request, reply) => {
      const user = await accounts.authenticate(request.body.username, request.body.password, request.ip);
      // A new id at every sign-in: a session id planted before login is worth nothing after.
      const previous = request.cookies[SESSION_COOKIE];
      if (previous) await sessions.destroy(previous);
      const session = await sessions.create(user.id);
      reply.setCookie(SESSION_COOKIE, session.id, { ...cookieOptions, maxAge: sessions.cookieMaxAgeSeconds });
      return { user: toPublicUser(user), csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'auth' },
      schema: {
        tags: ['accounts'],
        summary: 'Sign out (destroys the session); with everywhere=true, every session of the user',
        querystring: LogoutQuery,
        response: { 204: { type: 'null' }, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const { session, user } = callerOf(request);
      if (request.query.everywhere === 'true' || request.query.everywhere === '1') await accounts.signOutEverywhere(user.id);
      if (session) await sessions.destroy(session.id);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    { config: { access: 'auth' }, schema: { tags: ['accounts'], summary: 'The signed-in user', response: { 200: SessionEnvelope, ...errorResponses(401) } } },
    async (request) => {
      const caller = callerOf(request);
      return { user: toPublicUser(caller.user), csrfToken: caller.session?.csrfToken ?? null };
    },
  );
};
