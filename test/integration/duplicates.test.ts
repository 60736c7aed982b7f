import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, multipart, signUp, type Account, type Part, type TestApp } from '../helpers/app.js';
import { profileName } from '../helpers/backends.js';

/** A small PNG of its own: distinct bytes per call, or the same bytes for the same seed. */
const image = (seed: number, size = 8) => sharp({ create: { width: size, height: size, channels: 3, background: { r: seed % 256, g: Math.floor(seed / 256) % 256, b: 7 } } }).png().toBuffer();

interface FileJson {
  id: string;
  name: string;
  size: number;
  sha256: string;
  duplicateOf?: string;
}

function uploader(t: TestApp) {
  return (who: Account, parts: Part[]) => {
    const body = multipart(parts);
    return t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: who.basic } });
  };
}

describe('duplicates, kept and reported (DUPLICATES=keep, the default)', () => {
  let t: TestApp;
  let alice: Account;
  let bob: Account;
  let upload: ReturnType<typeof uploader>;
  beforeAll(async () => {
    t = await createTestApp();
    [alice, bob] = [await signUp(t.app, 'dupalice'), await signUp(t.app, 'dupbob')];
    upload = uploader(t);
  });
  afterAll(() => t.close());

  it('marks an upload of bytes the owner already has with duplicateOf, the oldest such file', async () => {
    const bytes = await image(1);
    const first = (await upload(alice, [{ filename: 'first.png', content: bytes }])).json().items[0] as FileJson;
    expect(first.duplicateOf).toBeUndefined();
    const again = await upload(alice, [{ filename: 'again.png', content: bytes }]);
    expect(again.statusCode).toBe(201);
    const second = again.json().items[0] as FileJson;
    expect(second.id).not.toBe(first.id);
    expect(second.duplicateOf).toBe(first.id);
    // A third copy still points at the original, not at the second.
    expect((await upload(alice, [{ filename: 'third.png', content: bytes }])).json().items[0].duplicateOf).toBe(first.id);
    // duplicateOf is about the upload; the file itself reads as any other.
    expect((await t.app.inject({ url: `/api/v1/files/${second.id}`, headers: { authorization: alice.basic } })).json().duplicateOf).toBeUndefined();
  });

  it('reports a repeat within one request against the earlier part', async () => {
    const bytes = await image(2);
    const response = await upload(alice, [
      { filename: 'a.png', content: bytes },
      { filename: 'other.png', content: await image(3) },
      { filename: 'b.png', content: bytes },
    ]);
    const [a, other, b] = response.json().items as FileJson[];
    expect([a!.duplicateOf, other!.duplicateOf]).toEqual([undefined, undefined]);
    expect(b!.duplicateOf).toBe(a!.id);
  });

  it('compares only within one owner: the same bytes from someone else are no duplicate', async () => {
    const bytes = await image(4);
    await upload(alice, [{ filename: 'mine.png', content: bytes }]);
    expect((await upload(bob, [{ filename: 'mine-too.png', content: bytes }])).json().items[0].duplicateOf).toBeUndefined();
  });

  it('lists the caller\'s duplicate groups, largest first, oldest file first, keyset paged', async () => {
    const carol = await signUp(t.app, 'dupcarol');
    const [small, medium, large] = await Promise.all([image(10, 4), image(11, 16), image(12, 64)]);
    const ids: Record<string, string[]> = { small: [], medium: [], large: [] };
    for (const [name, bytes, copies] of [['small', small, 2], ['medium', medium, 3], ['large', large, 2]] as const) {
      for (let i = 0; i < copies; i++) ids[name]!.push((await upload(carol, [{ filename: `${name}-${i}.png`, content: bytes }])).json().items[0].id);
    }
    await upload(carol, [{ filename: 'single.png', content: await image(13) }]);
    const list = (query = '') => t.app.inject({ url: `/api/v1/files/duplicates${query}`, headers: { authorization: carol.basic } });

    const all = (await list()).json();
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((group: { size: number }) => group.size)).toEqual([large.length, medium.length, small.length].sort((x, y) => y - x));
    const byName = Object.fromEntries(all.items.map((group: { files: FileJson[] }) => [group.files[0]!.name.split('-')[0], group]));
    for (const name of ['small', 'medium', 'large']) {
      expect(byName[name].count).toBe(ids[name]!.length);
      expect(byName[name].files.map((file: FileJson) => file.id)).toEqual(ids[name]);
      expect(new Set(byName[name].files.map((file: FileJson) => file.sha256)).size).toBe(1);
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ sha256: string }>; nextCursor: string | null } = (await list(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
      expect(page.items).toHaveLength(1);
      seen.push(page.items[0]!.sha256);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((group: { sha256: string }) => group.sha256));

    // Deleting down to one copy ends the group.
    await t.app.inject({ method: 'POST', url: '/api/v1/files/bulk-delete', payload: { ids: ids.medium!.slice(1) }, headers: { authorization: carol.basic } });
    expect((await list()).json().items).toHaveLength(2);
  });

  it('shows owners only their own groups, and refuses bad parameters and anonymous callers', async () => {
    const dave = await signUp(t.app, 'dupdave');
    expect((await t.app.inject({ url: '/api/v1/files/duplicates', headers: { authorization: dave.basic } })).json()).toEqual({ items: [], nextCursor: null });
    // Bob has no duplicates of his own, though he holds bytes Alice has twice.
    expect((await t.app.inject({ url: '/api/v1/files/duplicates', headers: { authorization: bob.basic } })).json().items).toEqual([]);
    expect((await t.app.inject({ url: '/api/v1/files/duplicates' })).statusCode).toBe(401);
    for (const query of ['?cursor=nope', `?cursor=${Buffer.from('["x","y"]').toString('base64url')}`, '?limit=0', '?limit=101', '?owner=x']) {
      const response = await t.app.inject({ url: `/api/v1/files/duplicates${query}`, headers: { authorization: dave.basic } });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().code).toBe('invalid_request');
    }
  });
});

describe('duplicates refused (DUPLICATES=reject)', () => {
  let t: TestApp;
  let alice: Account;
  let upload: ReturnType<typeof uploader>;
  beforeAll(async () => {
    t = await createTestApp({ DUPLICATES: 'reject' });
    alice = await signUp(t.app, 'rejalice');
    upload = uploader(t);
  });
  afterAll(() => t.close());

  /** Rows, jobs and blobs (thumbnails included, once the jobs are done) as the backends hold them. */
  const stored = async () => {
    await t.services.backends.jobs.idle();
    let blobs = 0;
    for await (const _ of t.services.backends.blobs.list()) blobs += 1;
    const count = async (table: 'files' | 'jobs') => Number((await t.services.backends.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
    return { files: await count('files'), jobs: await count('jobs'), blobs };
  };

  it('answers 409 duplicate naming the existing file, and stores nothing: no row, no blob, no job', async () => {
    const bytes = await image(20);
    const original = (await upload(alice, [{ filename: 'original.png', content: bytes }])).json().items[0] as FileJson;
    const before = await stored();
    expect(before.files).toBeGreaterThan(0);

    const again = await upload(alice, [{ filename: 'again.png', content: bytes }]);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'duplicate', details: [{ field: 'file', reason: original.id }] });
    expect(again.json().details[0].message).toContain('original.png');
    expect(await stored()).toEqual(before);

    // All or none: a new file in the same request is not stored either.
    const mixed = await upload(alice, [{ filename: 'new.png', content: await image(21) }, { filename: 'again.png', content: bytes }]);
    expect(mixed.statusCode).toBe(409);
    expect(await stored()).toEqual(before);
  });

  it('refuses a request that repeats the same new bytes in two parts', async () => {
    const before = await stored();
    const bytes = await image(22);
    const response = await upload(alice, [{ filename: 'one.png', content: bytes }, { filename: 'two.png', content: bytes }]);
    expect(response.statusCode).toBe(409);
    expect(response.json().details[0].message).toContain('earlier in this upload');
    expect(await stored()).toEqual(before);
  });

  it('of simultaneous uploads of the same new bytes, stores exactly one; the others answer 409 naming it', async () => {
    const before = await stored();
    const bytes = await image(23, 32);
    const responses = await Promise.all(Array.from({ length: 4 }, (_, i) => upload(alice, [{ filename: `race-${i}.png`, content: bytes }])));
    const created = responses.filter((response) => response.statusCode === 201);
    const refused = responses.filter((response) => response.statusCode === 409);
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(3);
    const winner = created[0]!.json().items[0].id as string;
    for (const response of refused) expect(response.json()).toMatchObject({ code: 'duplicate', details: [{ reason: winner }] });
    const after = await stored();
    expect(after.files).toBe(before.files + 1);
    expect(after.jobs).toBe(before.jobs + 1);
    // The stored file's blob and its thumbnail; the refused uploads' blobs are gone.
    expect(after.blobs).toBe(before.blobs + 2);
  });

  it('still takes the same bytes from another user', async () => {
    const bytes = await image(20);
    const bob = await signUp(t.app, 'rejbob');
    expect((await upload(bob, [{ filename: 'mine.png', content: bytes }])).statusCode).toBe(201);
  });
});

/**
 * Every upload asks whether the owner has its bytes already: that lookup must seek the
 * (owner, size, SHA-256) index, not read the owner's library. SQLite's plan for the query
 * the app ran says which it does (an ORDER BY created_at once made it walk every file).
 */
describe.runIf(profileName === 'embedded')('the duplicate lookup, on SQLite', () => {
  let t: TestApp;
  const lookups: string[] = [];
  beforeAll(async () => {
    t = await createTestApp({}, {
      logger: {
        level: 'trace',
        stream: {
          write(line: string) {
            const { msg, sql } = JSON.parse(line) as { msg?: string; sql?: string };
            if (msg === 'database query' && sql && /^select .* from "files" where "owner_id" = \? and .*"sha256" = \?/.test(sql)) lookups.push(sql);
          },
        },
      },
    });
  });
  afterAll(() => t.close());

  it('seeks the owner, size and hash index', async () => {
    const alice = await signUp(t.app, 'planalice');
    const upload = uploader(t);
    expect((await upload(alice, [{ filename: 'one.png', content: await image(31) }])).statusCode).toBe(201);
    expect(lookups.length).toBeGreaterThan(0);
    // The log has the statement, not its values; the plan is the same for any, so literals stand in.
    let n = 0;
    const query = lookups.at(-1)!.replace(/\?/g, () => (n++ === 0 ? "'owner'" : n % 2 === 0 ? '1' : "'hash'"));
    const plan = await sql<{ detail: string }>`explain query plan ${sql.raw(query)}`.execute(t.services.backends.db);
    expect(plan.rows.map((row) => row.detail).join('; ')).toContain('files_owner_size_sha256_idx');
  });
});
