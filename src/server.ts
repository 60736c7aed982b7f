import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { maskUrl } from './shared/mask-url.js';

const SHUTDOWN_GRACE_MS = 10_000;

/** Boots the app, listens, and closes gracefully on SIGINT/SIGTERM. */
export async function serve(config: Config): Promise<void> {
  const app = await buildApp(config);
  closeOnSignal(app);
  await app.listen({ port: config.port, host: config.host });
}

/**
 * `coffer worker`: the app without its HTTP listener, working background jobs whatever
 * JOBS_WORKER says. SIGTERM lets running jobs finish for a few seconds, then gives the rest
 * back to the queue (see JobsService.close).
 */
export async function work(config: Config): Promise<void> {
  const app = await buildApp({ ...config, jobs: { ...config.jobs, worker: true } });
  closeOnSignal(app);
  // Nothing listens, and the job timers do not hold the process: this does, until a signal.
  setInterval(() => {}, 3600_000);
  app.log.info({ jobs: maskUrl(config.jobs.url), concurrency: config.jobs.concurrency }, 'worker started');
}

function closeOnSignal(app: FastifyInstance): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => {
        clearTimeout(force);
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
