import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../../src/db/connect.js';
import { prepared } from '../../src/db/prepared.js';
import type { Database as Schema } from '../../src/db/schema.js';
import { sqliteDialect } from '../../src/db/sqlite.js';

describe('prepared queries', () => {
  let db: Kysely<Schema>;

  beforeAll(async () => {
    db = new Kysely<Schema>({ dialect: sqliteDialect(new Database(':memory:')) });
    await sql`create table shares (file_id text, user_id text, created_at text)`.execute(db);
    await sql`insert into shares values ('f1', 'ana', 'x'), ('f1', 'bo', 'y'), ('f2', 'ana', 'z')`.execute(db);
  });
  afterAll(() => db.destroy());

  it('builds the query once and runs it with each call’s values, in and out of a transaction', async () => {
    let builds = 0;
    const shareOf = prepared((executor: Executor, args: { fileId: string; userId: string }) => {
      builds++;
      return executor.selectFrom('shares').select('created_at').where('file_id', '=', args.fileId).where('user_id', '=', args.userId).where('created_at', '!=', 'never');
    });
    expect(await shareOf(db, { fileId: 'f1', userId: 'bo' })).toEqual([{ created_at: 'y' }]);
    expect(await shareOf(db, { fileId: 'f2', userId: 'ana' })).toEqual([{ created_at: 'z' }]);
    expect(await db.transaction().execute((trx) => shareOf(trx, { fileId: 'f1', userId: 'ana' }))).toEqual([{ created_at: 'x' }]);
    expect(await shareOf(db, { fileId: 'f2', userId: 'bo' })).toEqual([]);
    expect(builds).toBe(1);
  });

  it('refuses a build that leaves an argument out of the query', async () => {
    const careless = prepared((executor: Executor, args: { fileId: string; userId: string }) => executor.selectFrom('shares').selectAll().where('file_id', '=', args.fileId));
    await expect(careless(db, { fileId: 'f1', userId: 'ana' })).rejects.toThrow(/userId is not among the parameters/);
  });
});

describe('SQLite rows', () => {
  it('come back as records with one property per column, the last of a repeated name winning, as better-sqlite3 makes them', async () => {
    const database = new Database(':memory:');
    const db = new Kysely<Schema>({ dialect: sqliteDialect(database) });
    try {
      const query = "select 1 as a, 'x' as b, null as c, 2 as a, 'it''s \"quoted\"' as \"we'ird \"\"name\"\"\"";
      const expected = database.prepare(query).all();
      expect((await sql.raw(query).execute(db)).rows).toEqual(expected);
      expect(expected).toEqual([{ a: 2, b: 'x', c: null, 'we\'ird "name"': 'it\'s "quoted"' }]);
      expect((await sql.raw("select 1 as \"__proto__\"").execute(db)).rows).toEqual(database.prepare('select 1 as "__proto__"').all());
    } finally {
      await db.destroy();
    }
  });
});
