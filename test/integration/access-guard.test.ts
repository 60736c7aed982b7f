import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/domain/user.js';
import access, { AUTH } from '../../src/plugins/access.js';

/**
 * The last line of the access plugin: a success from a route whose check never completed
 * (a bug in a route or a rule) is replaced by a 500, and a stream it was sending is closed.
 */
describe('a 2xx reply that escaped the access check', () => {
  let app: FastifyInstance;
  let streamDestroyed = false;

  beforeAll(async () => {
    app = Fastify({ logger: false });
    await app.register(fastifyCookie);
    const user = { id: 'u1', username: 'ana', isAdmin: false } as unknown as User;
    await app.register(access, {
      authenticators: [{ name: 'test', authenticate: async () => ({ user, via: 'basic', scopes: new Set(['files:read'] as const) }) }],
      objects: {},
      findAccount: async () => undefined,
      csrfMatches: () => true,
    });
    const escaping = { config: { access: AUTH('files:read') } };
    app.get('/checked', escaping, async () => ({ secret: 'fine' }));
    app.get('/json', escaping, async (request) => {
      request.accessChecked = false; // as a route bug would leave it
      return { secret: 'leaked' };
    });
    app.get('/stream', escaping, async (request, reply) => {
      request.accessChecked = false;
      const stream = new Readable({ read() {} });
      stream.push('leaked bytes');
      stream.once('close', () => (streamDestroyed = true));
      return reply.type('application/octet-stream').send(stream);
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('lets a checked success through', async () => {
    const response = await app.inject({ method: 'GET', url: '/checked' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ secret: 'fine' });
  });

  it.each(['/json', '/stream'])('answers %s with a 500 in the error shape, without its body', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toMatchObject({ code: 'internal_error' });
    expect(response.body).not.toContain('leaked');
  });

  it('closes the stream it would have sent', () => {
    expect(streamDestroyed).toBe(true);
  });
});
