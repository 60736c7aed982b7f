import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { setTimeout } from 'node:timers/promises';
import { Unavailable } from '../errors.js';

const RETRY_DELAY_MS = 100;

/**
 * Errors that say "this connection is gone" (the server ended it: a failover, a restarted
 * proxy, `pg_terminate_backend`, MariaDB's `KILL`), as opposed to a query that failed.
 */
const CONNECTION_LOST_CODES = new Set([
  // PostgreSQL: admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now, connection_exception class.
  '57P01', '57P02', '57P03', '08000', '08003', '08006',
  // MariaDB / MySQL: the server killed the connection or went away.
  'ER_CONNECTION_KILLED', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_NET_READ_ERROR', 'ER_NET_WRITE_INTERRUPTED',
  'ECONNRESET', 'EPIPE', 'ECONNREFUSED',
]);
/** pg's words for a socket that ended, or a client it no longer lets us use. */
const CONNECTION_LOST_MESSAGES = /Connection terminated|not queryable|Client was closed|connection is in closed state|Can't write in closed state/;

export function isConnectionLoss(error: unknown): boolean {
  const candidate = error as { code?: unknown; fatal?: unknown; message?: unknown } | null;
  if (!candidate || typeof candidate !== 'object') return false;
  if (typeof candidate.code === 'string' && CONNECTION_LOST_CODES.has(candidate.code)) return true;
  // mysql2 marks every error after which the connection cannot be used as fatal.
  if (candidate.fatal === true) return true;
  return typeof candidate.message === 'string' && CONNECTION_LOST_MESSAGES.test(candidate.message);
}

/**
 * A dialect whose driver survives lost connections. The pools drop a broken connection by
 * themselves (see connect.ts); this adds what a pool cannot know:
 * - a read (a SELECT outside a transaction) that met a lost connection is run once more on
 *   a fresh one — it changes nothing, so running it twice is safe. Writes and statements in
 *   a transaction are never repeated: the first attempt may have been applied.
 * - a lost connection that is not retried becomes `503 unavailable` (the request may be
 *   tried again), never a 500.
 */
export function reconnecting(dialect: Dialect): Dialect {
  return {
    createDriver: () => new ReconnectingDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

class ReconnectingDriver implements Driver {
  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ReconnectingConnection(await this.inner.acquireConnection(), this.inner);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const wrapper = connection as ReconnectingConnection;
    wrapper.inTransaction = true;
    await unavailableIfLost(() => this.inner.beginTransaction(wrapper.current, settings));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const wrapper = connection as ReconnectingConnection;
    try {
      await unavailableIfLost(() => this.inner.commitTransaction(wrapper.current));
    } finally {
      wrapper.inTransaction = false;
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const wrapper = connection as ReconnectingConnection;
    try {
      await unavailableIfLost(() => this.inner.rollbackTransaction(wrapper.current));
    } finally {
      wrapper.inTransaction = false;
    }
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return (connection as ReconnectingConnection).release();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** One use of a pooled connection, which may change to a fresh one when the first is lost. */
class ReconnectingConnection implements DatabaseConnection {
  inTransaction = false;
  /** Undefined after a lost connection was given back and no fresh one could be had. */
  private connection: DatabaseConnection | undefined;

  constructor(
    connection: DatabaseConnection,
    private readonly driver: Driver,
  ) {
    this.connection = connection;
  }

  get current(): DatabaseConnection {
    if (!this.connection) throw new Unavailable('database');
    return this.connection;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.current.executeQuery<R>(query);
    } catch (error) {
      if (!isConnectionLoss(error)) throw error;
      if (this.inTransaction || query.query.kind !== 'SelectQueryNode') throw databaseUnavailable(error);
      return unavailableIfLost(async () => (await this.replaceBroken()).executeQuery<R>(query));
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.current.streamQuery<R>(query, chunkSize);
  }

  /** What Kysely's release gives back to the pool: nothing when the connection is already back. */
  async release(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await this.driver.releaseConnection(connection);
  }

  /**
   * Gives the broken connection back first (the pool discards it) so a pool full of broken
   * connections never waits on itself for a fresh one.
   */
  private async replaceBroken(): Promise<DatabaseConnection> {
    await this.release();
    // A server ending connections ends them all at once, but their sockets close one by one:
    // idle ones still in the pool may not know yet. A moment lets the pool drop them first.
    await setTimeout(RETRY_DELAY_MS);
    this.connection = await this.driver.acquireConnection();
    return this.connection;
  }
}

async function unavailableIfLost<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isConnectionLoss(error) ? databaseUnavailable(error) : error;
  }
}

function databaseUnavailable(cause: unknown): Unavailable {
  return Object.assign(new Unavailable('database'), { cause });
}
