import { sql } from 'kysely';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, signUp, type TestApp } from '../helpers/app.js';
import { profileName } from '../helpers/backends.js';

/**
 * The server's own connection never checkpoints (SQLite would, inside a commit, on the event
 * loop, ending in an fsync): a worker thread copies the WAL back into the database file.
 * With only the first half (checkpoints off) nothing would ever write the file again; with
 * only SQLite's own, the pragma says so.
 */
describe.skipIf(profileName !== 'embedded')('SQLite checkpoints off the event loop', () => {
  let t: TestApp;
  let databaseFile: string;
  beforeAll(async () => {
    t = await createTestApp();
    databaseFile = t.config.databaseUrl.slice('sqlite:'.length);
  });
  afterAll(() => t.close());

  it("leaves the server's connection without automatic checkpoints", async () => {
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(t.services.backends.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);
  });

  it('copies what uploads wrote into the database file from elsewhere', async () => {
    // Pages reach the database file only through a checkpoint; commits append to the WAL.
    const before = statSync(databaseFile).mtimeMs;
    const owner = await signUp(t.app);
    const photo = await fixture('sample.png');
    for (let i = 0; i < 20; i++) {
      const body = multipart([{ filename: `p${i}.png`, content: Buffer.concat([photo, Buffer.from([i])]) }]);
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: owner.basic } });
      expect(response.statusCode).toBe(201);
    }
    await t.services.backends.jobs.idle();
    await expect.poll(() => statSync(databaseFile).mtimeMs, { timeout: 10_000, interval: 100 }).toBeGreaterThan(before);
  });
});
