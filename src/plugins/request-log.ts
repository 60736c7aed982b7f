import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** A request taking longer than this is logged at `info` whatever LOG_LEVEL hides. */
export const SLOW_REQUEST_MS = 1000;

/**
 * One line per completed request — at `debug`, except slow ones (`info`) and server
 * errors (`warn`; the error itself is logged by plugins/errors.ts). Fastify's own request
 * logging (an "incoming" and a "completed" line at `info`) cost about 15 % of the request
 * path under load, for lines nobody reads at the default level. Every line of a request
 * still carries its id (`reqId`, also sent back as X-Request-Id).
 */
async function requestLog(app: FastifyInstance): Promise<void> {
  const debug = levelEnabled(app.log, 'debug');
  app.addHook('onResponse', (request, reply, done) => {
    const ms = reply.elapsedTime;
    const status = reply.statusCode;
    if (status >= 500) request.log.warn({ req: request, res: reply, responseTime: ms }, 'request failed');
    else if (ms >= SLOW_REQUEST_MS) request.log.info({ req: request, res: reply, responseTime: ms }, 'slow request completed');
    else if (debug) request.log.debug({ req: request, res: reply, responseTime: ms }, 'request completed');
    done();
  });
}

/** pino's isLevelEnabled, when the logger has it (a custom logger may not: then false). */
export function levelEnabled(log: FastifyBaseLogger, level: string): boolean {
  const check = (log as Partial<{ isLevelEnabled(level: string): boolean }>).isLevelEnabled;
  return check ? check.call(log, level) : false;
}

export default fp(requestLog, { name: 'request-log' });
