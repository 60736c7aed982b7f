import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { OPEN } from '../../plugins/access.js';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthRoutesOptions {
  checks: HealthCheck[];
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(promise: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { checks }) => {
  app.get(
    '/healthz',
    { config: { access: OPEN }, schema: { tags: ['operations'], summary: 'The process is running', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: OPEN },
      schema: {
        tags: ['operations'],
        summary: 'Every backing service answers',
        response: {
          200: Type.Object({ status: Type.Literal('ready') }),
          503: Type.Object({ error: Type.String(), code: Type.String(), down: Type.Array(Type.String()) }),
        },
      },
    },
    async (_request, reply) => {
      const results = await Promise.allSettled(checks.map((c) => withTimeout(c.check())));
      const down = checks.filter((_, i) => results[i]?.status === 'rejected').map((c) => c.name);
      if (down.length === 0) return { status: 'ready' as const };
      return reply.status(503).send({ error: `Not ready: ${down.join(', ')} unavailable.`, code: 'unavailable', down });
    },
  );
};
