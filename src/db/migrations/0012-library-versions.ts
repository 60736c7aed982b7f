import { MysqlAdapter, PostgresAdapter, sql, SqliteAdapter, type Kysely } from 'kysely';
import { tableOptions } from './table-options.js';

/**
 * A number per user that changes whenever anything a listing of their files shows may have
 * changed: any write to their `files` rows, or to their `faces` rows (`?person=`). Listings
 * are kept in memory under it (features/files/listing-cache.ts), so a page is read from the
 * database again only after a change — by this instance, another one, or any tool.
 *
 * Triggers keep it, so no write path can forget to: a row per user made with the user,
 * and bumped in the writing transaction. A user's deletion removes the row (its cascade
 * may still fire the triggers, which then update nothing).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('library_versions')
    .$call(tableOptions(db))
    .addColumn('owner_id', 'varchar(36)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`insert into library_versions (owner_id, version) select id, 0 from users`.execute(db);

  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) await sqliteTriggers(db);
  else if (adapter instanceof PostgresAdapter) await postgresTriggers(db);
  else if (adapter instanceof MysqlAdapter) await mariadbTriggers(db);
}

const WATCHED = ['files', 'faces'] as const;

async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  await sql`create trigger library_versions_user after insert on users begin
    insert into library_versions (owner_id, version) values (new.id, 0);
  end`.execute(db);
  for (const table of WATCHED) {
    const name = (event: string) => sql.ref(`${table}_library_version_${event}`);
    await sql`create trigger ${name('insert')} after insert on ${sql.table(table)} begin
      update library_versions set version = version + 1 where owner_id = new.owner_id;
    end`.execute(db);
    await sql`create trigger ${name('update')} after update on ${sql.table(table)} begin
      update library_versions set version = version + 1 where owner_id in (old.owner_id, new.owner_id);
    end`.execute(db);
    await sql`create trigger ${name('delete')} after delete on ${sql.table(table)} begin
      update library_versions set version = version + 1 where owner_id = old.owner_id;
    end`.execute(db);
  }
}

async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  await sql`create function library_versions_user() returns trigger language plpgsql as $$
    begin
      insert into library_versions (owner_id, version) values (new.id, 0);
      return null;
    end $$`.execute(db);
  await sql`create trigger library_versions_user after insert on users for each row execute function library_versions_user()`.execute(db);
  await sql`create function library_version_bump() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'INSERT' then
        update library_versions set version = version + 1 where owner_id = old.owner_id;
      end if;
      if tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.owner_id is distinct from old.owner_id) then
        update library_versions set version = version + 1 where owner_id = new.owner_id;
      end if;
      return null;
    end $$`.execute(db);
  for (const table of WATCHED) {
    await sql`create trigger ${sql.ref(`${table}_library_version`)} after insert or update or delete on ${sql.table(table)} for each row execute function library_version_bump()`.execute(db);
  }
}

async function mariadbTriggers(db: Kysely<unknown>): Promise<void> {
  await sql`create trigger library_versions_user after insert on users for each row
    insert into library_versions (owner_id, version) values (new.id, 0)`.execute(db);
  for (const table of WATCHED) {
    const name = (event: string) => sql.ref(`${table}_library_version_${event}`);
    await sql`create trigger ${name('insert')} after insert on ${sql.table(table)} for each row
      update library_versions set version = version + 1 where owner_id = new.owner_id`.execute(db);
    await sql`create trigger ${name('update')} after update on ${sql.table(table)} for each row
      update library_versions set version = version + 1 where owner_id in (old.owner_id, new.owner_id)`.execute(db);
    await sql`create trigger ${name('delete')} after delete on ${sql.table(table)} for each row
      update library_versions set version = version + 1 where owner_id = old.owner_id`.execute(db);
  }
}
