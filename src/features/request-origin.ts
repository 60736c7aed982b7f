import type { FastifyRequest } from 'fastify';
import type { Origin } from '../domain/origin.js';

/** The request's origin for a service: the address (proxy-aware) and the user agent. */
export function originOf(request: FastifyRequest): Origin {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
}
