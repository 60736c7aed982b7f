import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app as cofferApp } from '../../src/app.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('API conventions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answers unknown routes with 404 and wrong methods with 405, in the error shape', async () => {
    const missing = await t.app.inject({ url: '/api/v1/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: expect.any(String), code: 'not_found' });
    const wrongMethod = await t.app.inject({ method: 'PUT', url: '/api/v1/files' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.json().code).toBe('method_not_allowed');
    expect(wrongMethod.headers.allow).toBe('GET, POST');
  });

  it('answers malformed JSON and wrong content types in the error shape', async () => {
    const broken = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: '{"username":', headers: { 'content-type': 'application/json' } });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('invalid_request');
    const form = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: 'username=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.statusCode).toBe(415);
    expect(form.json()).toMatchObject({ code: 'unsupported_type', error: expect.any(String) });
  });

  it('puts a request id and the instance on every response, keeping a valid incoming id', async () => {
    const fresh = await t.app.inject({ url: '/healthz' });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.headers['x-coffer-instance']).toEqual(expect.any(String));
    const given = await t.app.inject({ url: '/api/v1/nope', headers: { 'x-request-id': 'lb-1234' } });
    expect(given.headers['x-request-id']).toBe('lb-1234');
    const hostile = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b\u0000<script>' } });
    expect(hostile.headers['x-request-id']).not.toContain('script');
  });

  it('reports liveness and readiness', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
  });

  it('publishes an OpenAPI document generated from the routes, and a reference page', async () => {
    const document = (await t.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(document.openapi).toMatch(/^3\./);
    for (const path of ['/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/me', '/api/v1/files', '/api/v1/files/{id}', '/api/v1/files/{id}/content']) {
      expect(document.paths, path).toHaveProperty([path]);
    }
    expect(document.components.schemas).toHaveProperty('File');
    const docs = await t.app.inject({ url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });

  it('refuses to boot when a route declares no access level', async () => {
    const fastify = Fastify({ logger: false });
    await fastify.register(cofferApp, { config: t.config });
    fastify.get('/api/v1/forgotten', async () => 'oops');
    await expect(fastify.ready()).rejects.toThrow(/GET \/api\/v1\/forgotten declares no access level/);
    await fastify.close().catch(() => {});
  });
});
