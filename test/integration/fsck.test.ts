import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConsistency } from '../../src/features/maintenance/fsck.service.js';
import { createTestApp, fixture, multipart, signUp, type TestApp } from '../helpers/app.js';

describe('consistency check (coffer fsck)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('finds orphan and missing blobs, and repairs only orphans old enough', async () => {
    const { db, blobs, jobs } = t.services.backends;
    const owner = await signUp(t.app);
    const body = multipart([{ filename: 'a.png', content: await fixture('sample.png') }, { filename: 'b.png', content: await fixture('sample.png') }]);
    const uploaded = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: owner.basic } });
    const [kept, lost] = uploaded.json().items;
    await jobs.idle();
    expect(await checkConsistency(db, blobs, { repair: false, minAgeMs: 0 })).toEqual({ orphans: [], recentOrphans: [], missing: [], removed: 0 });

    await blobs.put('zz/orphan-of-a-crash', Readable.from([Buffer.from('left behind')]));
    const lostKey = (await db.selectFrom('files').select('blob_key').where('id', '=', lost.id).executeTakeFirstOrThrow()).blob_key;
    await blobs.delete(lostKey);

    const young = await checkConsistency(db, blobs, { repair: true, minAgeMs: 3600_000 });
    expect(young).toMatchObject({ orphans: [], recentOrphans: ['zz/orphan-of-a-crash'], removed: 0 });
    expect(young.missing).toEqual([{ fileId: lost.id, key: lostKey }]);

    const repaired = await checkConsistency(db, blobs, { repair: true, minAgeMs: 0 });
    expect(repaired).toMatchObject({ orphans: ['zz/orphan-of-a-crash'], removed: 1 });
    expect(await blobs.exists('zz/orphan-of-a-crash')).toBe(false);
    const kept200 = await t.app.inject({ url: `/api/v1/files/${kept.id}/content`, headers: { authorization: owner.basic } });
    expect(kept200.statusCode).toBe(200);
  });
});
