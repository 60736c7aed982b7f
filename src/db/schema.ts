import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The tables as Kysely sees them. Timestamps are ISO-8601 UTC strings (`toISOString()`):
 * they sort correctly as text and read the same on SQLite, PostgreSQL and MariaDB.
 * Flags are 0/1 integers, which every dialect binds and returns the same way.
 */
export interface UsersTable {
  id: string;
  username: string;
  email: string;
  name: string;
  password_hash: string;
  /** 0 or 1. */
  is_admin: number;
  /** 0 or 1. */
  disabled: number;
  /** Epoch milliseconds; sessions created earlier are void. PostgreSQL returns a string. */
  sessions_valid_after: ColumnType<number | string, number | undefined, number>;
  created_at: string;
}

export interface FilesTable {
  id: string;
  owner_id: string;
  name: string;
  kind: 'image' | 'audio' | 'video';
  content_type: string;
  /** PostgreSQL returns bigint as a string. */
  size: ColumnType<number | string, number, number>;
  sha256: string;
  blob_key: string;
  thumbnail_key: string | null;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  created_at: string;
}

/** One running (or lately running) Coffer process; see features/admin/instances.service.ts. */
export interface InstancesTable {
  id: string;
  host: string;
  pid: number;
  port: number;
  version: string;
  started_at: string;
  last_heartbeat_at: string;
}

export interface Database {
  users: UsersTable;
  files: FilesTable;
  instances: InstancesTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type FileRow = Selectable<FilesTable>;
export type NewFileRow = Insertable<FilesTable>;
export type FileUpdate = Updateable<FilesTable>;
export type InstanceRow = Selectable<InstancesTable>;
