import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { encodeDescriptor } from '../../src/features/faces/descriptors.js';
import { createTestApp, fixture, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';

/**
 * Listing pages are kept in memory under the owner's library version, which the database's
 * triggers change with every write to their files or faces (migration 0012). A repeated
 * listing runs no page query; any change — through this instance, another one on the same
 * database, or a tool writing SQL — shows at the next listing.
 */
describe('listing cache', () => {
  let t: TestApp;
  let other: FastifyInstance;
  let owner: Account;
  let ownerId: string;
  const queries: string[] = [];
  // What a listing reads from the files table (not the version, nor background polling).
  const PAGE_QUERY = /^select .* from [`"]files[`"] where [`"]owner_id[`"] = /;

  beforeAll(async () => {
    t = await createTestApp({}, {
      logger: {
        level: 'trace',
        stream: {
          write(line: string) {
            const entry = JSON.parse(line) as { msg?: string; sql?: string };
            if (entry.msg === 'database query' && entry.sql) queries.push(entry.sql);
          },
        },
      },
    });
    // A second instance on the same database (and blob store), as `coffer cluster` runs them.
    other = await buildApp(t.config, false);
    owner = await signUp(t.app);
    ownerId = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: owner.basic } })).json().user.id;
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  const list = async (app: FastifyInstance, query = '', authorization = owner.basic) => {
    const response = await app.inject({ method: 'GET', url: `/api/v1/files?limit=50${query}`, headers: { authorization } });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { items: Array<{ id: string; name: string; permissions: { write: boolean; share: boolean } }> };
  };
  const names = async (app: FastifyInstance, query = '') => (await list(app, query)).items.map((file) => file.name).sort();
  const upload = async (app: FastifyInstance, filename: string) => {
    const body = multipart([{ filename, content: await fixture('sample.png') }]);
    const response = await app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: owner.basic } });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().items[0].id as string;
  };
  const pageQueries = async (run: () => Promise<unknown>) => {
    queries.length = 0;
    await run();
    return queries.filter((q) => PAGE_QUERY.test(q)).length;
  };
  /** Lists twice (a page is kept from its second asking), then checks that the page is held: the third asking reads no page. */
  const cached = async (query = '') => {
    await list(t.app, query);
    await list(t.app, query);
    expect(await pageQueries(() => list(t.app, query))).toBe(0);
  };

  it('answers a repeated listing without its page query, with the same body', async () => {
    await upload(t.app, 'first.png');
    await t.services.backends.jobs.idle();
    // Asked once, a page is not kept; from its second asking it is.
    expect(await pageQueries(() => list(t.app))).toBe(1);
    const first = await t.app.inject({ method: 'GET', url: '/api/v1/files?limit=50', headers: { authorization: owner.basic } });
    let second: Awaited<ReturnType<typeof t.app.inject>> | undefined;
    expect(await pageQueries(async () => (second = await t.app.inject({ method: 'GET', url: '/api/v1/files?limit=50', headers: { authorization: owner.basic } })))).toBe(0);
    expect(second!.body).toBe(first.body);
    expect(second!.headers['content-type']).toBe('application/json; charset=utf-8');
    // Another query is another page.
    expect(await pageQueries(() => list(t.app, '&kind=image'))).toBe(1);
  });

  it('shows uploads, renames and deletions made here or by another instance', async () => {
    await cached();
    const id = await upload(other, 'second.png');
    // Its thumbnail, when made, writes to the file and so changes the version: let it finish first.
    await t.services.backends.jobs.idle();
    expect(await names(t.app)).toEqual(['first.png', 'second.png']);
    await cached();
    const renamed = await other.inject({ method: 'PATCH', url: `/api/v1/files/${id}`, headers: { authorization: owner.basic }, payload: { name: 'renamed.png' } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(await names(t.app)).toEqual(['first.png', 'renamed.png']);
    await cached();
    const deleted = await other.inject({ method: 'DELETE', url: `/api/v1/files/${id}`, headers: { authorization: owner.basic } });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await names(t.app)).toEqual(['first.png']);
  });

  it('shows a change that a tool wrote straight into the database', async () => {
    await cached();
    await t.services.backends.db.updateTable('files').set({ name: 'by-sql.png' }).where('owner_id', '=', ownerId).where('name', '=', 'first.png').execute();
    expect(await names(t.app)).toEqual(['by-sql.png']);
  });

  it("follows the faces behind a person's listing", async () => {
    const [file] = (await list(t.app)).items;
    const faceId = randomUUID();
    const descriptor = encodeDescriptor(Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) * 0.1));
    await t.services.backends.db
      .insertInto('faces')
      .values({ id: faceId, file_id: file!.id, owner_id: ownerId, x: 0.1, y: 0.1, width: 0.2, height: 0.2, score: 0.9, descriptor, person_id: null, assigned_by: null, suggested_person_id: null, distance: null, cluster_id: null, created_at: new Date().toISOString() })
      .execute();
    const named = await other.inject({ method: 'PUT', url: `/api/v1/faces/${faceId}/person`, headers: { authorization: owner.basic }, payload: { name: 'Ana' } });
    expect(named.statusCode, named.body).toBe(200);
    const personId = named.json().face.person.id as string;
    expect(await names(t.app, `&person=${personId}`)).toEqual(['by-sql.png']);
    await cached(`&person=${personId}`);
    const unnamed = await other.inject({ method: 'PUT', url: `/api/v1/faces/${faceId}/person`, headers: { authorization: owner.basic }, payload: { personId: null } });
    expect(unnamed.statusCode, unnamed.body).toBe(200);
    expect(await names(t.app, `&person=${personId}`)).toEqual([]);
  });

  it('says what each credential may do, whoever filled the cache', async () => {
    const token = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: owner.basic }, payload: { name: 'read only', scopes: ['files:read'] } });
    expect(token.statusCode, token.body).toBe(201);
    const readOnly = `Bearer ${token.json().secret as string}`;
    await cached();
    expect((await list(t.app)).items[0]!.permissions).toEqual({ write: true, share: true });
    expect((await list(t.app, '', readOnly)).items[0]!.permissions).toEqual({ write: false, share: false });
    expect((await list(t.app)).items[0]!.permissions).toEqual({ write: true, share: true });
  });

  it("never answers with another user's page", async () => {
    const stranger = await signUp(t.app);
    await cached();
    expect((await list(t.app, '', stranger.basic)).items).toEqual([]);
  });
});
