import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDescriptor } from '../../src/features/faces/descriptors.js';
import { FaceIndex } from '../../src/features/faces/face-index.js';
import type { Scope } from '../../src/domain/access.js';
import { PeopleService } from '../../src/features/faces/people.service.js';
import { createTestApp, fixture, multipart, signUp, type TestApp } from '../helpers/app.js';

// The per-user face index on each profile's database: two indexes stand for two processes
// (a web instance and a `coffer worker`); what one changes, the other must see.
describe('per-user face index', () => {
  let t: TestApp;
  let owner: string;
  let stranger: string;
  let fileId: string;
  let strangersFile: string;

  const descriptor = (seed: number) => Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 1000 + i) * 0.1);
  const addFace = async (ownerId: string, file: string, seed: number) => {
    const id = randomUUID();
    await t.services.backends.db
      .insertInto('faces')
      .values({ id, file_id: file, owner_id: ownerId, x: 0.1, y: 0.1, width: 0.2, height: 0.2, score: 0.9, descriptor: encodeDescriptor(descriptor(seed)), person_id: null, assigned_by: null, suggested_person_id: null, distance: null, cluster_id: null, created_at: new Date().toISOString() })
      .execute();
    return id;
  };
  const uploadAs = async (basic: string) => {
    const body = multipart([{ name: 'file', filename: 'p.png', content: await fixture('sample.png') }]);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: basic } });
    return response.json().items[0].id as string;
  };

  beforeAll(async () => {
    t = await createTestApp();
    const a = await signUp(t.app, 'indexowner');
    const b = await signUp(t.app, 'indexstranger');
    owner = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: a.basic } })).json().user.id;
    stranger = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: b.basic } })).json().user.id;
    fileId = await uploadAs(a.basic);
    strangersFile = await uploadAs(b.basic);
    await t.services.backends.jobs.idle();
  });
  afterAll(() => t.close());

  it('holds only the user’s own faces, and sees what another process changed', async () => {
    const web = new FaceIndex(t.services.backends.db);
    const worker = new FaceIndex(t.services.backends.db);
    const first = await addFace(owner, fileId, 1);
    await addFace(stranger, strangersFile, 1); // the same descriptor, another user
    expect([...(await web.forUser(owner)).keys()]).toEqual([first]);

    // Named through the "worker" process: the web copy is stale and must be read again.
    const people = new PeopleService(t.services.backends.db, worker, t.services.audit);
    const ownerCaller = { user: (await t.services.accounts.findUser(owner))!, via: 'session' as const, scopes: new Set<Scope>() };
    const person = await people.create(ownerCaller, { name: 'Ana', faceIds: [first] }, { ip: '127.0.0.1', userAgent: 'test' });
    expect((await web.forUser(owner)).get(first)!.personId).toBe(person.id);

    // Another face added with a version bump, then the file deleted (cascade, no bump).
    const second = await addFace(owner, fileId, 2);
    await t.services.backends.db.updateTable('users').set({ faces_version: 99 }).where('id', '=', owner).execute();
    expect((await web.forUser(owner)).has(second)).toBe(true);
    await t.services.backends.db.deleteFrom('files').where('id', '=', fileId).execute();
    expect((await web.forUser(owner)).size).toBe(0);
    // The stranger's face was never in the owner's index, and is still there.
    expect([...(await web.forUser(stranger)).values()].map((face) => face.fileId)).toEqual([strangersFile]);
  });
});
