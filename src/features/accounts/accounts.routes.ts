import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AUTH, callerOf, OPEN } from '../../plugins/access.js';
import { AppError, Forbidden } from '../../errors.js';
import { origin, type AuditLog } from '../audit/audit.log.js';
import { languageFromAcceptLanguage } from '../mail/templates.js';
import { errorResponses } from '../shared.schemas.js';
import { ChangePasswordBody, LoginBody, LogoutQuery, MeEnvelope, RegisterBody, SessionEnvelope, UserEnvelope } from './accounts.schemas.js';
import { toPublicUser, type AccountsService } from './accounts.service.js';
import { SESSION_COOKIE, type SessionsService } from './sessions.service.js';

export interface AccountsRoutesOptions {
  accounts: AccountsService;
  sessions: SessionsService;
  audit: AuditLog;
  secureCookies: boolean;
  maxUploadBytes: number;
}

export const accountsRoutes: FastifyPluginAsyncTypebox<AccountsRoutesOptions> = async (app, { accounts, sessions, audit, secureCookies, maxUploadBytes }) => {
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies } as const;

  app.post(
    '/auth/register',
    {
      config: { access: OPEN },
      schema: { tags: ['accounts'], summary: 'Create an account', body: RegisterBody, response: { 201: UserEnvelope, ...errorResponses(400, 409, 429) } },
    },
    async (request, reply) => {
      const user = await accounts.register({ ...request.body, language: languageFromAcceptLanguage(request.headers['accept-language']) }, request.ip);
      audit.record({ action: 'account.register', outcome: 'success', actor: user, target: `user:${user.id}`, ...origin(request) });
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
      const { username } = request.body;
      const user = await accounts.authenticate(username, request.body.password, request.ip).catch((error: unknown) => {
        const reason = error instanceof AppError ? error.code : 'error';
        audit.record({ action: 'auth.login', outcome: 'failure', actorName: username, details: { reason }, ...origin(request) });
        throw error;
      });
      audit.record({ action: 'auth.login', outcome: 'success', actor: user, ...origin(request) });
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
      config: { access: AUTH() },
      schema: {
        tags: ['accounts'],
        summary: 'Sign out (destroys the session); with everywhere=true, every session of the user',
        querystring: LogoutQuery,
        response: { 204: { type: 'null' }, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const { session, user, via } = callerOf(request);
      const everywhere = request.query.everywhere === 'true' || request.query.everywhere === '1';
      // Like tokens and the password, signing a person out everywhere takes the password (a
      // session or Basic), never a token: a files:read token must not end every session.
      if (everywhere && (via === 'token' || via === 'jwt')) throw new Forbidden('Sign out everywhere while signed in with your password, not with a token.');
      if (everywhere) await accounts.signOutEverywhere(user.id);
      if (session) await sessions.destroy(session.id);
      audit.record({ action: everywhere ? 'auth.logout_everywhere' : 'auth.logout', outcome: 'success', actor: user, ...origin(request) });
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
      if (caller.via === 'token' || caller.via === 'jwt') throw new Forbidden('Change the password while signed in with it, not with a token.');
      await accounts.changePassword(caller.user, request.body.currentPassword, request.body.newPassword, request.ip).catch((error: unknown) => {
        audit.record({ action: 'auth.password_change', outcome: 'failure', actor: caller.user, ...origin(request) });
        throw error;
      });
      audit.record({ action: 'auth.password_change', outcome: 'success', actor: caller.user, ...origin(request) });
      // Every session ended with the change; this browser gets a fresh one.
      if (caller.session) await sessions.destroy(caller.session.id);
      const session = caller.via === 'session' ? await sessions.create(caller.user.id) : undefined;
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
