import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { profileName } from '../helpers/backends.js';

/**
 * `GET /files?q=` through each database's text index (migration 0010-search): the same
 * results as the old `lower(name) LIKE` on SQLite and PostgreSQL; on MariaDB the words of
 * the text must begin words of the name (FULLTEXT), as README documents.
 */
describe('file-name search', () => {
  let t: TestApp;
  let owner: Account;
  let other: Account;
  const mariadb = profileName === 'mariadb-s3-memcached';
  const NAMES = ['Holiday-Beach_2024.png', 'beach night.png', 'IMG_0042.png', '100% real!.png', 'the quiet one.png', 'Été à la plage.png'];
  const ids = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestApp();
    [owner, other] = [await signUp(t.app), await signUp(t.app)];
    const png = await fixture('sample.png');
    for (const name of NAMES) {
      const body = multipart([{ filename: name, content: png }]);
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: owner.basic } });
      ids.set(name, response.json().items[0].id);
    }
    // Someone else's beach: never in the owner's results, nor theirs in his.
    const body = multipart([{ filename: 'beach of someone else.png', content: png }]);
    await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: other.basic } });
    await t.services.backends.jobs.idle();
  });
  afterAll(() => t.close());

  async function search(q: string, as: Account = owner): Promise<string[]> {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/files?limit=50&q=${encodeURIComponent(q)}`, headers: { authorization: as.basic } });
    expect(response.statusCode).toBe(200);
    return response.json().items.map((file: { name: string }) => file.name).sort();
  }

  it('finds names containing the text, whatever the case, and only the caller\'s', async () => {
    expect(await search('BEACH')).toEqual(['Holiday-Beach_2024.png', 'beach night.png']);
    expect(await search('beach')).not.toContain('beach of someone else.png');
    expect(await search('beach', other)).toEqual(['beach of someone else.png']);
    expect(await search('holiday-beach')).toEqual(['Holiday-Beach_2024.png']);
    expect(await search('zebra')).toEqual([]);
  });

  it('matches words after underscores and digits', async () => {
    expect(await search('0042')).toEqual(['IMG_0042.png']);
    expect(await search('2024')).toEqual(['Holiday-Beach_2024.png']);
    expect(await search('img_0042')).toEqual(['IMG_0042.png']);
  });

  it('treats wildcards, quotes and operators as text', async () => {
    expect(await search('%')).toEqual(['100% real!.png']);
    expect(await search('100% real!')).toEqual(['100% real!.png']);
    expect(await search('_')).toEqual(['Holiday-Beach_2024.png', 'IMG_0042.png']);
    // Names cannot hold quotes (file-names.ts); in a search they are text, not a phrase.
    expect(await search('"beach"')).toEqual([]);
    expect(await search('+beach* -night')).toEqual([]);
    expect(await search('the')).toEqual(['the quiet one.png']);
  });

  it('finds substrings inside words, except on MariaDB, which indexes words', async () => {
    expect(await search('olida')).toEqual(mariadb ? [] : ['Holiday-Beach_2024.png']);
    expect(await search('ght')).toEqual(mariadb ? [] : ['beach night.png']);
    // One or two characters: LIKE over the caller's files, on every database.
    expect(await search('ni')).toEqual(['beach night.png']);
  });

  it('follows renames and deletions', async () => {
    const id = ids.get('beach night.png')!;
    const renamed = await t.app.inject({ method: 'PATCH', url: `/api/v1/files/${id}`, headers: { authorization: owner.basic }, payload: { name: 'sunset dunes.png' } });
    expect(renamed.statusCode).toBe(200);
    expect(await search('beach')).toEqual(['Holiday-Beach_2024.png']);
    expect(await search('dunes')).toEqual(['sunset dunes.png']);
    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/v1/files/${id}`, headers: { authorization: owner.basic } });
    expect(deleted.statusCode).toBe(204);
    expect(await search('dunes')).toEqual([]);
  });
});
