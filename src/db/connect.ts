import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, MysqlDialect, PostgresDialect, type Dialect, type LogConfig, type Transaction } from 'kysely';
import { startCheckpointer } from './checkpointer.js';
import { sqliteDialect as cachedSqliteDialect, SQLITE_BUSY_TIMEOUT_MS } from './sqlite.js';
import { reconnecting } from './reconnecting.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
/** What repositories take: the database, or a transaction the use case opened. */
export type Executor = Db | Transaction<Database>;

export interface DatabaseOptions {
  poolSize: number;
  /**
   * Told of a connection the server ended while it sat in the pool or between queries (a
   * failover, a restarted proxy). The pool has already dropped it and opens a new one when
   * needed; without a listener such an error would end the process.
   */
  onConnectionLost?: (error: Error) => void;
  /** Told of every query run (Kysely's log hook), with its duration: debugging and query counts. */
  onQuery?: LogConfig;
  /**
   * SQLite: checkpoint the WAL from a worker thread instead of inside commits (see
   * checkpointer.ts). Servers want it; a short command is better served by SQLite's own.
   */
  backgroundCheckpoints?: { onError(message: string): void };
}

// Bounded waits: with the database down, requests fail fast (503) instead of piling up.
const CONNECT_TIMEOUT_MS = 3000;
const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * The dialect factory: one URL picks the database. Drivers are loaded only when chosen, so
 * an instance carries in memory just the one it uses.
 */
export async function connectDatabase(url: string, options: DatabaseOptions = { poolSize: 10 }): Promise<Db> {
  return new Kysely<Database>({ dialect: reconnecting(await dialectFor(url, options)), ...(options.onQuery ? { log: options.onQuery } : {}) });
}

async function dialectFor(url: string, { poolSize, onConnectionLost = () => {}, backgroundCheckpoints }: DatabaseOptions): Promise<Dialect> {
  const scheme = url.split(':', 1)[0];
  switch (scheme) {
    case 'sqlite':
      return sqliteDialect(url.slice('sqlite:'.length), backgroundCheckpoints);
    case 'postgres':
    case 'postgresql': {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({
        connectionString: url,
        max: poolSize,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        statement_timeout: STATEMENT_TIMEOUT_MS,
        query_timeout: STATEMENT_TIMEOUT_MS + 1000,
      });
      // An idle client's error reaches the pool, which removes the client; a checked-out
      // client's error reaches only the client (its query fails too, and the pool removes
      // it when it is released). Both events must have a listener, or Node ends the process.
      pool.on('error', onConnectionLost);
      pool.on('connect', (client) => client.on('error', onConnectionLost));
      return new PostgresDialect({ pool });
    }
    case 'mysql':
    case 'mariadb': {
      const { createPool } = await import('mysql2');
      const pool = createPool({
        uri: url.replace(/^mariadb:/, 'mysql:'),
        connectionLimit: poolSize,
        connectTimeout: CONNECT_TIMEOUT_MS,
        charset: 'utf8mb4_bin',
        // BIGINT sizes stay numbers (files are far below 2^53 bytes).
        supportBigNumbers: true,
        bigNumberStrings: false,
      });
      // mysql2 removes a connection from the pool on its first error; a listener of our own
      // keeps a later one (or one while it is checked out) from ending the process.
      pool.on('connection', (connection) => connection.on('error', onConnectionLost));
      return new MysqlDialect({ pool });
    }
    default:
      throw new Error(`DATABASE_URL: unsupported database "${scheme}:"`);
  }
}

async function sqliteDialect(file: string, backgroundCheckpoints: DatabaseOptions['backgroundCheckpoints']): Promise<Dialect> {
  const { default: SQLite } = await import('better-sqlite3');
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  // No fsync per commit (SQLite's advice for WAL): better-sqlite3 commits on the event loop,
  // and each fsync held every request for ~0.5 ms, several times per upload. The WAL is still
  // synced at each checkpoint; a crash of Coffer loses nothing, a power cut at most the last
  // commits — as it may the blobs written just before them, which the store does not fsync.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  if (!backgroundCheckpoints || file === ':memory:') return cachedSqliteDialect(database);
  database.pragma('wal_autocheckpoint = 0');
  const checkpointer = startCheckpointer(file, backgroundCheckpoints.onError);
  return cachedSqliteDialect(database, () => checkpointer.stop());
}

/** Unique-constraint violations, recognised the same way on every dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505' || code === 'ER_DUP_ENTRY';
}

