import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The tables as Kysely sees them. Timestamps are ISO-8601 UTC strings (`toISOString()`):
 * they sort correctly as text and read the same on SQLite, PostgreSQL and MariaDB.
 * Booleans come back as 0/1 from SQLite and MariaDB, so repositories normalise them.
 */
export interface UsersTable {
  id: string;
  username: string;
  email: string;
  name: string;
  password_hash: string;
  is_admin: ColumnType<boolean | number, boolean, boolean>;
  disabled: ColumnType<boolean | number, boolean, boolean>;
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

export interface Database {
  users: UsersTable;
  files: FilesTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type FileRow = Selectable<FilesTable>;
export type NewFileRow = Insertable<FilesTable>;
export type FileUpdate = Updateable<FilesTable>;
