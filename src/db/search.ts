import { MysqlAdapter, sql, SqliteAdapter, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Executor } from './connect.js';
import { containsText } from './contains.js';
import type { Database } from './schema.js';

/** Trigram indexes (SQLite FTS5, pg_trgm) and MariaDB's words need this many characters. */
const INDEXED_CHARACTERS = 3;

/** Up to this many FTS candidates, a search reads just them; more means the text is common. */
const MAX_CANDIDATES = 1000;

type NameFilter = (eb: ExpressionBuilder<Database, 'files'>) => Expression<SqlBool>;

/**
 * "The file's name contains `text`" (case-insensitive), found through the database's text
 * index (migration 0010-search) so a search does not read the whole library:
 *
 * - SQLite: the FTS5 trigram index lists the names containing the text (its rowids). Up to
 *   MAX_CANDIDATES of them, the page is read from those rows alone (a rare or absent text
 *   costs well under a millisecond at 100,000 files); more, and the text is common, so
 *   reading the owner's files newest first finds a page at once. Either way the same
 *   `lower(name) LIKE` as before decides: exactly the old results.
 * - PostgreSQL: the `lower(name) LIKE` itself, which the pg_trgm index serves.
 * - MariaDB: every word of the text (3+ letters or digits) must begin a word of the name
 *   (FULLTEXT prefix search; candidates as for SQLite), and the name must contain the text: "beach" finds
 *   "Holiday-Beach.jpg" and "beach_2024.png", but "each" finds neither, as MariaDB indexes
 *   words, not substrings. A text with no such word is matched by LIKE alone.
 *
 * Shorter texts (1–2 characters) fall back to LIKE on every database: the owner's files
 * are read newest first until a page is full.
 */
export async function fileNameMatches(db: Executor, text: string): Promise<NameFilter> {
  const adapter = db.getExecutor().adapter;
  const contains = containsText('name', text);
  if (adapter instanceof SqliteAdapter && [...text].length >= INDEXED_CHARACTERS) {
    // A phrase of the trigram tokenizer: the text as a substring, its quotes doubled.
    const phrase = `"${text.replace(/"/g, '""')}"`;
    const candidates = await sql<{ rowid: number }>`select rowid from files_search where files_search match ${phrase} limit ${MAX_CANDIDATES + 1}`.execute(db);
    if (candidates.rows.length > MAX_CANDIDATES) return () => contains;
    if (candidates.rows.length === 0) return () => sql<SqlBool>`0 = 1`;
    const rowids = candidates.rows.map((row) => Number(row.rowid));
    return (eb) => eb.and([sql<SqlBool>`files.rowid in (${sql.join(rowids)})`, contains]);
  }
  if (adapter instanceof MysqlAdapter) {
    const words = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => [...word].length >= INDEXED_CHARACTERS);
    if (words.length === 0) return () => contains;
    const against = words.map((word) => `+${word}*`).join(' ');
    const candidates = await sql<{ id: string }>`select id from files where match(name_search) against (${against} in boolean mode) limit ${MAX_CANDIDATES + 1}`.execute(db);
    if (candidates.rows.length > MAX_CANDIDATES) return () => contains;
    if (candidates.rows.length === 0) return () => sql<SqlBool>`0 = 1`;
    const ids = candidates.rows.map((row) => row.id);
    return (eb) => eb.and([eb('files.id', 'in', ids), contains]);
  }
  return () => contains;
}
