import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDescriptor } from '../../src/features/faces/descriptors.js';
import { createTestApp, fixture, multipart, signUp, type TestApp } from '../helpers/app.js';

// Naming a person attaches the owner's other faces near them, but not a face about as near
// another person the user named (the runner-up test): that one stays a suggestion. Made-up
// descriptors on one axis, so the distances are exact; the model is not needed.
describe('naming a person: the runner-up test', () => {
  let t: TestApp;
  let owner: string;
  let basic: string;

  const at = (x: number) => {
    const descriptor = new Float32Array(128);
    descriptor[0] = x;
    return descriptor;
  };
  const addFace = async (x: number) => {
    const body = multipart([{ name: 'file', filename: 'p.png', content: await fixture('sample.png') }]);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: basic } });
    const fileId = response.json().items[0].id as string;
    const id = randomUUID();
    await t.services.backends.db
      .insertInto('faces')
      .values({ id, file_id: fileId, owner_id: owner, x: 0.1, y: 0.1, width: 0.2, height: 0.2, score: 0.9, descriptor: encodeDescriptor(at(x)), person_id: null, assigned_by: null, suggested_person_id: null, distance: null, cluster_id: null, created_at: new Date().toISOString() })
      .execute();
    return id;
  };
  const row = (id: string) => t.services.backends.db.selectFrom('faces').select(['person_id', 'suggested_person_id']).where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await createTestApp();
    ({ basic } = await signUp(t.app, 'namingrule'));
    owner = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: basic } })).json().user.id;
  });
  afterAll(() => t.close());

  it('attaches a face clearly nearest the named person, and only suggests one about as near someone else', async () => {
    const name = async (person: string, faceId: string) => {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/people', headers: { authorization: basic }, payload: { name: person, faceIds: [faceId] } });
      expect(response.statusCode).toBe(201);
      return response.json().person as { id: string };
    };
    const anaFace = await addFace(0);
    const beaFace = await addFace(0.84);
    const between = await addFace(0.39); // 0.39 from Ana (within 0.40), 0.45 from Bea
    const clear = await addFace(-0.3); // 0.30 from Ana, 1.14 from Bea

    const bea = await name('Bea', beaFace);
    expect(await row(between)).toEqual({ person_id: null, suggested_person_id: bea.id }); // 0.45: a suggestion

    const ana = await name('Ana', anaFace);
    expect(await row(clear)).toEqual({ person_id: ana.id, suggested_person_id: null });
    // Within Ana's distance, but 0.39 is 0.87 of Bea's 0.45: not attached to Ana.
    expect((await row(between)).person_id).toBeNull();
  });
});
