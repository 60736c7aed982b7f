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

export interface TokensTable {
  id: string;
  user_id: string;
  name: string;
  /** Space-separated. */
  scopes: string;
  prefix: string;
  secret_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  revoked_at: string | null;
}

export interface SharesTable {
  file_id: string;
  user_id: string;
  created_at: string;
}

export interface LinksTable {
  id: string;
  file_id: string;
  token_hash: string;
  token_sealed: string;
  password_hash: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  views: ColumnType<number, number | undefined, number>;
}

export interface AuditEventsTable {
  id: string;
  at: string;
  actor_id: string | null;
  actor: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  user_agent: string | null;
  outcome: 'success' | 'failure';
  /** JSON. */
  details: string | null;
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

/** A curated person `/who` can name (migration 0006). */
export interface NotablePeopleTable {
  id: string;
  name: string;
  description: string | null;
  url: string | null;
  created_at: string;
}

/** One reference face of a notable person: its descriptor as a JSON array of 128 numbers. */
export interface NotableFacesTable {
  id: string;
  person_id: string;
  descriptor: string;
  created_at: string;
}

export interface Database {
  users: UsersTable;
  files: FilesTable;
  tokens: TokensTable;
  shares: SharesTable;
  links: LinksTable;
  audit_events: AuditEventsTable;
  instances: InstancesTable;
  notable_people: NotablePeopleTable;
  notable_faces: NotableFacesTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type FileRow = Selectable<FilesTable>;
export type NewFileRow = Insertable<FilesTable>;
export type FileUpdate = Updateable<FilesTable>;
export type TokenRow = Selectable<TokensTable>;
export type LinkRow = Selectable<LinksTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;
export type InstanceRow = Selectable<InstancesTable>;
export type NotablePersonRow = Selectable<NotablePeopleTable>;
