import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AUTH, callerOf, OPEN } from '../../plugins/access.js';
import { originOf } from '../request-origin.js';
import { languageFromAcceptLanguage } from '../mail/templates.js';
import { errorResponses } from '../shared.schemas.js';
import { ChangePasswordBody, LoginBody, LogoutQuery, MeEnvelope, RegisterBody, SessionEnvelope, UserEnvelope } from './accounts.schemas.js';
import { toPublicUser } from './accounts.service.js';
import type { AuthService } from './auth.service.js';
import { SESSION_COOKIE, type SessionsService } from './sessions.service.js';

export interface AccountsRoutesOptions {
  auth: AuthService;
  sessions: SessionsService;
  secureCookies: boolean;
  maxUploadBytes: number;
}

export const accountsRoutes: FastifyPluginAsyncTypebox<AccountsRoutesOptions> = async (app, { auth, sessions, secureCookies, maxUploadBytes }) => {
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies } as const;

  app.post(
    '/auth/register',
    {
      config: { access: OPEN },
      schema: { tags: ['accounts'], summary: 'Create an account', body: RegisterBody, response: { 201: UserEnvelope, ...errorResponses(400, 409, 429) } },
    },
    async (request, reply) => {
      const user = await auth.register({ ...request.body, language: languageFromAcceptLanguage(request.headers['accept-language']) }, originOf(request));
      return reply.status(201).send({ user });
    },
  );

  app.post(
    '/auth/login',
    {
      config: { access: OPEN },
      schema: { tags: ['accounts'], summary: 'Sign in and receive a session cookie', body: LoginBody, response: { 200: SessionEnvelope, ...errorResponses(400, 401, 429) } },
    },
    async (request, reply) => {
      const { user, session } = await auth.login(request.body.username, request.body.password, originOf(request), request.cookies[SESSION_COOKIE]);
      reply.setCookie(SESSION_COOKIE, session.id, { ...cookieOptions, maxAge: sessions.cookieMaxAgeSeconds });
      return { user: toPublicUser(user), csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: AUTH() },
      schema: {
        tags: ['accounts'],
        summary: 'Sign out (destroys the session); with everywhere=true, every session of the user',
        querystring: LogoutQuery,
        response: { 204: { type: 'null' }, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const everywhere = request.query.everywhere === 'true' || request.query.everywhere === '1';
      await auth.logout(callerOf(request), everywhere, originOf(request));
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/password',
    {
      config: { access: AUTH() },
      schema: {
        tags: ['accounts'],
        summary: 'Change the password (needs the current one); signs out every other session',
        body: ChangePasswordBody,
        response: { 200: SessionEnvelope, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { session } = await auth.changePassword(caller, request.body.currentPassword, request.body.newPassword, originOf(request));
      if (session) reply.setCookie(SESSION_COOKIE, session.id, { ...cookieOptions, maxAge: sessions.cookieMaxAgeSeconds });
      return { user: toPublicUser(caller.user), csrfToken: session?.csrfToken ?? null };
    },
  );
  app.get(
    '/auth/me',
    { config: { access: AUTH() }, schema: { tags: ['accounts'], summary: 'The signed-in user and the server\'s limits', response: { 200: MeEnvelope, ...errorResponses(401) } } },
    async (request) => {
      const caller = callerOf(request);
      return { user: toPublicUser(caller.user), csrfToken: caller.session?.csrfToken ?? null, limits: { maxUploadBytes } };
    },
  );
};
