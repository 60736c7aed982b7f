import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AUTH, callerOf, OPEN } from '../../plugins/access.js';
import { originOf } from '../request-origin.js';
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
}

export const emailRoutes: FastifyPluginAsyncTypebox<EmailRoutesOptions> = async (app, { accountMail }) => {
  app.post(
    '/auth/email/verify',
    { config: { access: OPEN }, schema: { tags: ['accounts'], summary: 'Confirm an e-mail address with the token of its link', body: TokenBody, response: { 200: UserEnvelope, ...errorResponses(400) } } },
    async (request) => {
      const user = await accountMail.verifyEmail(request.body.token, originOf(request));
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
      const user = await accountMail.updateProfile(callerOf(request), request.body, originOf(request));
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
      await accountMail.resetPassword(request.body.token, request.body.password, originOf(request));
      return reply.status(204).send(null);
    },
  );
};
