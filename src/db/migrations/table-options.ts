import { MysqlAdapter, sql, type CreateTableBuilder, type Kysely } from 'kysely';

/**
 * MariaDB: utf8mb4 for any file name, and binary collation so comparisons and unique keys
 * behave as on SQLite and PostgreSQL (case-sensitive, byte order). Other dialects: as is.
 */
export function tableOptions(db: Kysely<unknown>) {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter;
  return <T extends string, C extends string>(table: CreateTableBuilder<T, C>) =>
    mysql ? table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`) : table;
}
