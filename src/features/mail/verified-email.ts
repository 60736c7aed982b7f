import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** With REQUIRE_EMAIL_VERIFICATION=1, callers whose address is unverified get a 403. */
    requireVerifiedEmail?: boolean;
  }
}

export class EmailUnverified extends AppError {
  constructor() {
    super(403, 'email_unverified', 'Confirm your e-mail address first: open the link we mailed you, or ask for a new one in your account settings.');
  }
}

/**
 * REQUIRE_EMAIL_VERIFICATION: routes that declare `requireVerifiedEmail` (uploads, sharing)
 * refuse callers with an unverified address. It runs after authentication, before the
 * body is read, so an upload is refused at its first byte.
 */
async function verifiedEmailGate(app: FastifyInstance, { enabled }: { enabled: boolean }): Promise<void> {
  if (!enabled) return;
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.config.requireVerifiedEmail || !request.caller) return;
    if (!request.caller.user.emailVerified) throw new EmailUnverified();
  });
}

export default fp(verifiedEmailGate, { name: 'verified-email', dependencies: ['access'] });
