import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, Forbidden } from '../../errors.js';
import { AUTH, callerOf, OPEN } from '../../plugins/access.js';
import { origin, type AuditLog } from '../audit/audit.log.js';
import type { AccountMailService } from '../mail/account-mail.service.js';
import { LANGUAGES } from '../mail/templates.js';
import { errorResponses } from '../shared.schemas.js';
import { toPublicUser } from './accounts.service.js';

const TokenBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const UserEnvelope = Type.Object({ user: Type.Ref('User') });
const FORGOT_ANSWER = { message: 'If an account uses this address, a link to reset its password is on its way.' };

/** API.md "Mail": address verification, profile changes, forgotten passwords. */
export interface EmailRoutesOptions {
  accountMail: AccountMailService;
  audit: AuditLog;
  /** Turns face recognition on or off for the user's library (off deletes their faces). */
  setFaceRecognition: (userId: string, on: boolean) => Promise<void>;
}

export const emailRoutes: FastifyPluginAsyncTypebox<EmailRoutesOptions> = async (app, { accountMail, audit, setFaceRecognition }) => {
  app.post(
    '/auth/email/verify',
    { config: { access: OPEN }, schema: { tags: ['accounts'], summary: 'Confirm an e-mail address with the token of its link', body: TokenBody, response: { 200: UserEnvelope, ...errorResponses(400) } } },
    async (request) => {
      const user = await accountMail.verifyEmail(request.body.token);
      audit.record({ action: 'account.email_verified', outcome: 'success', actor: user, target: `user:${user.id}`, details: { email: user.email }, ...origin(request) });
      return { user: toPublicUser(user) };
    },
  );

  app.post(
    '/auth/email/resend',
    { config: { access: AUTH() }, schema: { tags: ['accounts'], summary: 'Send the verification link again (rate-limited)', response: { 204: { type: 'null' }, ...errorResponses(401, 403, 429) } } },
    async (request, reply) => {
      await accountMail.resendVerification(callerOf(request).user);
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/auth/me',
    {
      config: { access: AUTH() },
      schema: {
        tags: ['accounts'],
        summary: 'Change your name, e-mail address (verified again), notices, mail language or face recognition; needs the current password',
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ maxLength: 200 })),
            email: Type.Optional(Type.String({ maxLength: 320 })),
            notices: Type.Optional(Type.Boolean()),
            language: Type.Optional(Type.Union(LANGUAGES.map((l) => Type.Literal(l)))),
            faceRecognition: Type.Optional(Type.Boolean()),
            currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: UserEnvelope, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      if (caller.via === 'token' || caller.via === 'jwt') throw new Forbidden('Change your account while signed in with your password, not with a token.');
      const { currentPassword: _password, faceRecognition, ...changes } = request.body;
      const updated = await accountMail.updateProfile(caller.user, { ...changes, currentPassword: request.body.currentPassword }, request.ip).catch((error: unknown) => {
        audit.record({ action: 'account.update', outcome: 'failure', actor: caller.user, target: `user:${caller.user.id}`, ...origin(request) });
        throw error;
      });
      const { emailChangedFrom } = updated;
      let user = updated.user;
      if (faceRecognition !== undefined && faceRecognition !== user.faceRecognition) {
        await setFaceRecognition(user.id, faceRecognition);
        user = { ...user, faceRecognition };
      }
      audit.record({ action: 'account.update', outcome: 'success', actor: user, target: `user:${user.id}`, details: { ...changes, ...(faceRecognition !== undefined ? { faceRecognition } : {}), ...(emailChangedFrom ? { previousEmail: emailChangedFrom } : {}) }, ...origin(request) });
      return { user: toPublicUser(user) };
    },
  );

  app.post(
    '/auth/password/forgot',
    {
      config: { access: OPEN },
      schema: {
        tags: ['accounts'],
        summary: 'Mail a password-reset link; the same answer whether or not the address has an account',
        body: Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ message: Type.String() }), ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      await accountMail.forgotPassword(request.body.email, request.ip);
      return reply.status(202).send(FORGOT_ANSWER);
    },
  );

  app.post(
    '/auth/password/reset',
    {
      config: { access: OPEN },
      schema: {
        tags: ['accounts'],
        summary: 'Set a new password with the token of a reset link; ends every session and JWT of the account',
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 204: { type: 'null' }, ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const user = await accountMail.resetPassword(request.body.token, request.body.password).catch((error: unknown) => {
        audit.record({ action: 'auth.password_reset', outcome: 'failure', details: { reason: error instanceof AppError ? error.code : 'error' }, ...origin(request) });
        throw error;
      });
      audit.record({ action: 'auth.password_reset', outcome: 'success', actor: user, target: `user:${user.id}`, ...origin(request) });
      return reply.status(204).send(null);
    },
  );
};
