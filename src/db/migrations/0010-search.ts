import { MysqlAdapter, PostgresAdapter, sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * File-name search through each database's own text index (issue 9), for
 * `GET /files?q=` — see src/db/search.ts for how each is queried and what it matches.
 *
 * - SQLite: an FTS5 table with the trigram tokenizer (any substring of 3+ characters),
 *   kept in step with `files` by triggers. It indexes `files.rowid`, which only VACUUM
 *   could renumber: the search re-checks every candidate against the name itself, and
 *   `INSERT INTO files_search(files_search) VALUES ('rebuild')` re-syncs after a VACUUM.
 * - PostgreSQL: a pg_trgm GIN index on lower(name), which serves the same LIKE as before.
 *   Without the extension (not installed, or no right to create it) there is no index and
 *   the search works as before, by reading the owner's files.
 * - MariaDB: a FULLTEXT index on a stored lower-case copy of the name with `_` read as a
 *   space (so `IMG_0042` is the words `img` and `0042`), built without a stopword list so
 *   every word of 3+ characters (innodb_ft_min_token_size) is indexed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) await sqliteSearch(db);
  else if (adapter instanceof PostgresAdapter) await postgresSearch(db);
  else if (adapter instanceof MysqlAdapter) await mariadbSearch(db);
}

async function sqliteSearch(db: Kysely<unknown>): Promise<void> {
  await sql`create virtual table files_search using fts5(name, content='files', content_rowid='rowid', tokenize='trigram')`.execute(db);
  await sql`insert into files_search(files_search) values ('rebuild')`.execute(db);
  await sql`create trigger files_search_insert after insert on files begin
    insert into files_search(rowid, name) values (new.rowid, new.name);
  end`.execute(db);
  await sql`create trigger files_search_delete after delete on files begin
    insert into files_search(files_search, rowid, name) values ('delete', old.rowid, old.name);
  end`.execute(db);
  await sql`create trigger files_search_rename after update of name on files begin
    insert into files_search(files_search, rowid, name) values ('delete', old.rowid, old.name);
    insert into files_search(rowid, name) values (new.rowid, new.name);
  end`.execute(db);
}

async function postgresSearch(db: Kysely<unknown>): Promise<void> {
  const available = await sql<{ name: string }>`select name from pg_available_extensions where name = 'pg_trgm'`.execute(db);
  if (available.rows.length === 0) return;
  // Migrations run in a transaction: a refused CREATE EXTENSION must not abort it.
  await sql`savepoint search_extension`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`release savepoint search_extension`.execute(db);
  } catch {
    await sql`rollback to savepoint search_extension`.execute(db);
    return;
  }
  await sql`create index files_name_trgm_idx on files using gin (lower(name) gin_trgm_ops)`.execute(db);
}

async function mariadbSearch(db: Kysely<unknown>): Promise<void> {
  await sql`alter table files add column name_search varchar(255) as (replace(lower(name), '_', ' ')) stored`.execute(db);
  // The stopword list is read when the index is built: without it "the", "it", "to"... are found too.
  await sql`set session innodb_ft_enable_stopword = OFF`.execute(db);
  try {
    await sql`alter table files add fulltext index files_name_search_idx (name_search)`.execute(db);
  } finally {
    await sql`set session innodb_ft_enable_stopword = ON`.execute(db);
  }
}
