import { randomBytes } from 'node:crypto';
import net from 'node:net';
import mysql from 'mysql2/promise';
import pg from 'pg';

/**
 * The test matrix. Each profile names the backends the same tests run on; vitest.config.ts
 * turns each profile into a project. Every app a test starts gets its own database, bucket
 * and key prefix, so test files can run in parallel on shared servers.
 */
export const PROFILES = {
  embedded: { database: 'sqlite', storage: 'file', sessions: 'memory' },
  'postgres-s3-redis': { database: 'postgres', storage: 's3', sessions: 'redis' },
  'mariadb-s3-memcached': { database: 'mariadb', storage: 's3', sessions: 'memcached' },
} as const;

export type ProfileName = keyof typeof PROFILES;
type Component = (typeof PROFILES)[ProfileName][keyof (typeof PROFILES)[ProfileName]];

export const profileName = (process.env.COFFER_TEST_PROFILE ?? 'embedded') as ProfileName;

export const SERVERS = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mariadb: process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  memcached: process.env.TEST_MEMCACHED_URL ?? 'memcached://127.0.0.1:11211',
};

const HOW_TO_START: Record<Component, string> = {
  sqlite: '',
  file: '',
  memory: '',
  postgres: `PostgreSQL is not reachable at ${SERVERS.postgres}: start it with scripts/services/databases-start.sh (or set TEST_POSTGRES_URL)`,
  mariadb: `MariaDB is not reachable at ${SERVERS.mariadb}: start it with scripts/services/databases-start.sh (or set TEST_MARIADB_URL)`,
  redis: `Redis is not reachable at ${SERVERS.redis}: start it with scripts/services/databases-start.sh (or set TEST_REDIS_URL)`,
  memcached: `Memcached is not reachable at ${SERVERS.memcached}: start it with scripts/services/memcached-start.sh (or set TEST_MEMCACHED_URL)`,
  s3: 'S3 is not configured: start Ceph with scripts/services/ceph-s3-start.sh /tmp/coffer-ceph and export the variables of /tmp/coffer-ceph/s3.env',
};

export function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port), timeout: 1000 });
    const settle = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('timeout', () => settle(false));
  });
}

async function componentAvailable(component: Component): Promise<boolean> {
  switch (component) {
    case 'postgres':
    case 'mariadb':
    case 'redis':
    case 'memcached':
      return reachable(SERVERS[component]);
    case 's3':
      return Boolean(process.env.S3_ENDPOINT && process.env.AWS_ACCESS_KEY_ID);
    default:
      return true;
  }
}

/** Whether a shared server answers, and if not, how to start it. */
export async function serverStatus(server: keyof typeof SERVERS): Promise<{ up: boolean; howToStart: string; url: string }> {
  return { up: await reachable(SERVERS[server]), howToStart: HOW_TO_START[server], url: SERVERS[server] };
}

/** Why a profile cannot run here, or undefined when all its services answer. */
export async function missingServices(profile: ProfileName): Promise<string | undefined> {
  const problems: string[] = [];
  for (const component of Object.values(PROFILES[profile])) {
    if (!(await componentAvailable(component))) problems.push(HOW_TO_START[component]);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

export interface ProvisionedBackends {
  /** Environment for Coffer: DATABASE_URL, STORAGE_URL, SESSION_URL as the profile wants. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Fresh, isolated backends of the current profile for one app or server process. */
export async function provisionBackends(profile: ProfileName = profileName): Promise<ProvisionedBackends> {
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {};
  const cleanups: Array<() => Promise<void>> = [];
  const { database, storage, sessions } = PROFILES[profile];

  if (database === 'postgres' || database === 'mariadb') {
    const created = await createDatabase(database, id);
    env.DATABASE_URL = created.url;
    cleanups.push(created.drop);
  }
  if (storage === 's3') {
    const { createTestBucket } = await import('./s3.js');
    const bucket = await createTestBucket();
    if (!bucket) throw new Error(HOW_TO_START.s3);
    env.STORAGE_URL = bucket.url;
    cleanups.push(() => bucket.cleanup());
  }
  if (sessions === 'redis' || sessions === 'memcached') {
    env.SESSION_URL = `${SERVERS[sessions]}?prefix=${id}:`;
  }
  return {
    env,
    async cleanup() {
      for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.warn('test cleanup failed:', error));
    },
  };
}

/** A new, empty database named `name` on the shared server. */
export async function createDatabase(server: 'postgres' | 'mariadb', name: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (server === 'postgres') {
    await withPostgres((client) => client.query(`create database ${name}`));
    return {
      url: replaceDatabase(SERVERS.postgres, name),
      drop: async () => void (await withPostgres((client) => client.query(`drop database if exists ${name} with (force)`))),
    };
  }
  await withMariadb((connection) => connection.query(`create database ${name} character set utf8mb4 collate utf8mb4_bin`));
  return {
    url: replaceDatabase(SERVERS.mariadb, name),
    drop: async () => void (await withMariadb((connection) => connection.query(`drop database if exists ${name}`))),
  };
}

function replaceDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVERS.postgres });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function withMariadb<T>(work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection({ uri: SERVERS.mariadb });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}
