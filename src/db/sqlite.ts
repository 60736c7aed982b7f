import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, SqliteDatabase, SqliteStatement, TransactionSettings } from 'kysely';
import { SqliteDialect } from 'kysely';
import { setTimeout } from 'node:timers/promises';
import { Unavailable } from '../errors.js';

/** Statements kept prepared; the app runs a few dozen distinct ones. */
const STATEMENT_CACHE_SIZE = 256;
/**
 * How long SQLite itself may wait for a lock, on the main thread: better-sqlite3 is
 * synchronous, so a long busy_timeout freezes every request (5 s used to). Beyond this the
 * wait goes on asynchronously (below), the event loop free.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10;
/** The total wait for another process's write lock before a 503. */
const BUSY_WAIT_MS = 5000;
const BUSY_BACKOFF_MAX_MS = 50;

/**
 * Kysely's SQLite driver prepares every statement again on each run (about 9 % of the CPU
 * under Range load); this keeps the last STATEMENT_CACHE_SIZE of them prepared. Reusing a
 * better-sqlite3 statement is safe here: the driver runs one query at a time on its single
 * connection, and each run completes (or, for a stream, is iterated) before the next.
 */
export class StatementCache implements SqliteDatabase {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(
    private readonly database: BetterSqlite3.Database,
    private readonly size = STATEMENT_CACHE_SIZE,
    private readonly onClose: () => void = () => {},
  ) {}

  prepare(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement) {
      // Least recently used first: a hit moves to the end.
      this.statements.delete(sql);
    } else {
      statement = rowsAsRecords(this.database.prepare(sql));
      if (this.statements.size >= this.size) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.onClose();
    this.statements.clear();
    this.database.close();
  }

  get cached(): number {
    return this.statements.size;
  }
}

/**
 * A statement whose rows are read as arrays and made into records by a function compiled
 * for its columns. better-sqlite3 builds each record property by property through V8's C++
 * API, which took half the time of a 50-row listing; an object literal of fixed shape takes
 * next to none. Same records: one property per column name, the last of a repeated name wins.
 */
function rowsAsRecords(statement: BetterSqlite3.Statement): SqliteStatement {
  if (!statement.reader) return statement as unknown as SqliteStatement;
  const names = statement.columns().map((column) => column.name);
  // In a literal, "__proto__" would set the prototype instead of a property.
  if (names.includes('__proto__')) return statement as unknown as SqliteStatement;
  const raw = statement.raw(true);
  // The names are the query's own columns, written into the source as JSON string literals.
  const toRecord = new Function('row', `return {${names.map((name, i) => `${JSON.stringify(name)}: row[${i}]`).join(', ')}};`) as (row: unknown[]) => unknown;
  return {
    reader: true,
    all: (parameters) => (raw.all(parameters) as unknown[][]).map(toRecord),
    run: (parameters) => raw.run(parameters),
    *iterate(parameters) {
      for (const row of raw.iterate(parameters) as IterableIterator<unknown[]>) yield toRecord(row);
    },
  };
}

/** SQLite with prepared statements kept and lock waits that never block the event loop. */
export function sqliteDialect(database: BetterSqlite3.Database, onClose?: () => void): Dialect {
  const dialect = new SqliteDialect({ database: new StatementCache(database, STATEMENT_CACHE_SIZE, onClose) });
  return {
    createDriver: () => new BusyWaitingDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY';
}

/**
 * Another process (a second `coffer cluster` instance, `coffer` CLI commands) may hold
 * SQLite's write lock. SQLite waits SQLITE_BUSY_TIMEOUT_MS for it; after that, the
 * statement is tried again after a growing pause, asynchronously, for up to BUSY_WAIT_MS —
 * then 503 (try again). Other requests keep being served meanwhile (those needing the
 * database wait for its one connection, asynchronously too).
 */
class BusyWaitingDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new BusyWaitingConnection(await this.inner.acquireConnection());
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as BusyWaitingConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class BusyWaitingConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, BUSY_BACKOFF_MAX_MS)) {
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() + pause > deadline) throw Object.assign(new Unavailable('database'), { cause: error });
        await setTimeout(pause);
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}
