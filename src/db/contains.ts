import { sql, type RawBuilder, type SqlBool } from 'kysely';

/**
 * Case-insensitive "column contains text", the same on every dialect: the text's own
 * wildcards are escaped, and the escape character is named because SQLite has no default.
 */
export function containsText(column: 'name' | 'username' | 'email', text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '!'`;
}
