import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { formatBytes, type ErrorCode } from '../../errors.js';
import { OPEN } from '../../plugins/access.js';
import { StorageStatusSchema } from '../admin/status.schemas.js';
import type { StorageStatus } from '../admin/status.service.js';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthRoutesOptions {
  checks: HealthCheck[];
  /** Free space of the blob store, reported in /readyz with a warning when low. */
  storageStatus?: () => Promise<StorageStatus>;
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { checks, storageStatus }) => {
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
          200: Type.Object({
            status: Type.Literal('ready'),
            storage: Type.Optional(StorageStatusSchema),
            warnings: Type.Optional(Type.Array(Type.String(), { description: 'Things an operator should see to, the instance still serving.' })),
          }),
          503: Type.Object({ error: Type.String(), code: Type.String(), down: Type.Array(Type.String()) }),
        },
      },
    },
    async (_request, reply) => {
      const results = await Promise.allSettled(checks.map((c) => withTimeout(c.check())));
      const down = checks.filter((_, i) => results[i]?.status === 'rejected').map((c) => c.name);
      if (down.length === 0) {
        // Readiness does not depend on it: a full disk still serves downloads.
        const storage = await (storageStatus ? withTimeout(storageStatus()) : Promise.resolve(undefined)).catch(() => undefined);
        if (!storage) return { status: 'ready' as const };
        return { status: 'ready' as const, storage, ...(storage.low ? { warnings: [`Storage is low: ${formatBytes(storage.freeBytes ?? 0)} free.`] } : {}) };
      }
      return reply.status(503).send({ error: `Not ready: ${down.join(', ')} unavailable.`, code: 'unavailable' satisfies ErrorCode, down });
    },
  );
};
