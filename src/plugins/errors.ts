import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { AppError, type ErrorBody, type ErrorCode, type ErrorDetail } from '../errors.js';

export type { ErrorBody };

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'invalid_request',
  408: 'request_timeout',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_type',
  416: 'range_not_satisfiable',
  429: 'rate_limited',
  503: 'unavailable',
  507: 'insufficient_storage',
};

/** Fastify's own 4xx errors, reworded for a person. */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; send a JSON object.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This content type is not accepted here; send JSON (application/json).',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'Send the files as multipart/form-data.',
  FST_REQ_FILE_TOO_LARGE: 'The file is too large; nothing was stored.',
  FST_FILES_LIMIT: 'Too many files in one request.',
  FST_PARTS_LIMIT: 'Too many parts in one request.',
};

/**
 * Errors that mean "a backing service is away" rather than "a bug": connection refused or
 * reset, timeouts, and the drivers' own codes for a lost or shutting-down server.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006',
]);

export function isBackendUnavailable(error: unknown): boolean {
  const candidate = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | null;
  if (!candidate) return false;
  if (typeof candidate.code === 'string' && UNAVAILABLE_CODES.has(candidate.code)) return true;
  if (candidate.name === 'TimeoutError' || candidate.name === 'AbortError') return true;
  if (typeof candidate.message === 'string' && /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/.test(candidate.message)) return true;
  return candidate.cause !== undefined && candidate.cause !== error && isBackendUnavailable(candidate.cause);
}

export function toValidationDetails(issues: ValidationIssue[], context: string | undefined): ErrorDetail[] {
  return issues.map((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (issue.keyword === 'additionalProperties') {
      const field = [path, String(issue.params.additionalProperty)].filter(Boolean).join('.');
      return { field, message: `"${field}" is not an accepted field.`, reason: 'unexpected' };
    }
    if (issue.keyword === 'required') {
      const field = [path, String(issue.params.missingProperty)].filter(Boolean).join('.');
      return { field, message: `"${field}" is required.`, reason: 'missing' };
    }
    const field = path || context || 'body';
    return { field, message: `"${field}" ${issue.message ?? 'is invalid'}.`, reason: issue.keyword };
  });
}

export interface ErrorsOptions {
  /** Answers unknown paths that are pages of the web UI. */
  pageFallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined;
}

async function errorsPlugin(app: FastifyInstance, { pageFallback }: ErrorsOptions): Promise<void> {
  // A second router, fed by onRoute, tells a wrong method (405) from an unknown path (404).
  const routes = FindMyWay();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD' && !routes.hasRoute(method as HTTPMethod, route.url)) routes.on(method as HTTPMethod, route.url, () => {});
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const page = pageFallback?.(request, reply);
    if (page) return page;
    const path = request.url.split('?')[0] ?? '/';
    const allowed = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) => routes.find(m, path));
    if (allowed.length > 0) {
      return send(reply.header('Allow', allowed.join(', ')), 405, { error: `${request.method} is not allowed here; use ${allowed.join(' or ')}.`, code: 'method_not_allowed' });
    }
    return send(reply, 404, { error: 'There is nothing at this address.', code: 'not_found' });
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      if (error.headers) reply.headers(error.headers);
      if (error.status === 401) reply.header('WWW-Authenticate', challenge(request));
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      return send(reply, error.status, { error: error.message, code: error.code, ...(error.details ? { details: error.details } : {}) });
    }
    if (error.validation) {
      const details = toValidationDetails(error.validation as ValidationIssue[], error.validationContext);
      return send(reply, 400, { error: details.map((d) => d.message).join(' '), code: 'invalid_request', details });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const mapped = status === 406 ? 400 : status;
      const message = FRAMEWORK_MESSAGES[error.code] ?? (status === 400 ? 'The request is malformed.' : error.message);
      return send(reply, mapped, { error: message, code: STATUS_CODES[mapped] ?? 'invalid_request' });
    }
    if (isBackendUnavailable(error)) {
      request.log.warn({ err: error }, 'a backing service is unavailable');
      reply.header('Retry-After', '5');
      return send(reply, 503, { error: 'A service Coffer depends on is unavailable; try again shortly.', code: 'unavailable' });
    }
    // The client may have left first (a player dropping a range it no longer needs): then
    // nothing failed, and the answer below reaches no one.
    if (reply.raw.destroyed) request.log.debug({ err: error }, 'the client went away');
    else request.log.error({ err: error }, 'request failed');
    return send(reply, 500, { error: `Something went wrong on our side; it was logged with request id ${request.id}.`, code: 'internal_error' });
  });
}

/**
 * Bearer only, unless the client asks for Basic: a request that sent Basic credentials, or
 * one with `X-Coffer-Auth: basic`. A Basic challenge makes a browser open its password
 * dialog and then send what was typed with every request to this site, from any page.
 */
function challenge(request: FastifyRequest): string {
  const wantsBasic = /^Basic\s/i.test(request.headers.authorization ?? '') || String(request.headers['x-coffer-auth'] ?? '').toLowerCase() === 'basic';
  return wantsBasic ? 'Basic realm="coffer", charset="UTF-8", Bearer realm="coffer"' : 'Bearer realm="coffer"';
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}

export default fp(errorsPlugin, { name: 'errors' });
