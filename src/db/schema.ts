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
  /** 0 or 1: the current address was proven by a link sent to it. */
  email_verified: ColumnType<number, number | undefined, number>;
  /** 0 or 1: the user wants notices (shared with you, password changed, new token). */
  notices_enabled: ColumnType<number, number | undefined, number>;
  /** The language of the user's mail: `en` or `pt-BR`. */
  language: ColumnType<string, string | undefined, string>;
  /** 0 or 1: faces in the user's library are found and matched (migration 0007). */
  face_recognition: ColumnType<number, number | undefined, number>;
  /** Bumped with each change to the user's faces; the per-user face index checks it. */
  faces_version: ColumnType<number, number | undefined, number>;
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
  /** What its background work has come to; see JobsTable. */
  processing: ColumnType<FileProcessing, FileProcessing | undefined, FileProcessing>;
  /** Comma-separated steps that failed for good, or null. */
  failed_steps: ColumnType<string | null, string | null | undefined, string | null>;
  /** When it was taken (UTC, toISOString); the upload time until its bytes say otherwise. */
  taken_at: string;
  taken_at_source: TakenAtSource;
  /** `YYYY-MM` of taken_at: the timeline's bucket. */
  taken_month: string;
  /** JSON: the API's `metadata` (features/files/media-metadata.ts), or null. */
  metadata: string | null;
  /** JSON: byte edits removing the location for public links; null until looked at. */
  location_patches: string | null;
}

export type TakenAtSource = 'exif' | 'container' | 'upload';

export type FileProcessing = 'pending' | 'done' | 'failed';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** One step of background work a file needs (features/jobs/). The row is the truth. */
export interface JobsTable {
  id: string;
  file_id: string;
  owner_id: string;
  step: string;
  status: JobStatus;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  run_after: string;
  lease_until: string | null;
  locked_by: string | null;
  created_at: string;
  updated_at: string;
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
  /** 0 or 1: visitors get the photo's location too. */
  include_location: ColumnType<number, number | undefined, number>;
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

/** One instance-wide setting (migration 0011): its value as JSON text; see features/admin/settings.service.ts. */
export interface InstanceSettingsTable {
  name: string;
  value: string;
  updated_at: string;
}

/** Changes with anything a listing of the user's files shows (migration 0012, kept by triggers). */
export interface LibraryVersionsTable {
  owner_id: string;
  /** A bigint: PostgreSQL and MariaDB may return it as a string. */
  version: number | string;
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

export type OutboxStatus = 'queued' | 'sent' | 'failed' | 'suppressed';

/** Every mail Coffer sends, kept with its status; see features/mail/sender.ts. */
export interface MailOutboxTable {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  language: string;
  template: string;
  /** 0 or 1: the body holds a single-use link and is blanked once the message is done with. */
  secret: number;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  /** The Mailer that took it (`smtp`, `log`). */
  transport: string | null;
  claimed_by: string | null;
  claimed_until: string | null;
  created_at: string;
  updated_at: string;
}

export type MailTokenPurpose = 'verify_email' | 'reset_password';

export interface MailTokensTable {
  id: string;
  user_id: string;
  purpose: MailTokenPurpose;
  token_hash: string;
  email: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface SesEventsTable {
  id: string;
  message_id: string;
  address: string;
  type: 'Bounce' | 'Complaint' | 'Delivery';
  bounce_type: 'permanent' | 'transient' | 'undetermined' | null;
  /** `sns` (signed subscription) or `relay` (a `webhooks:ses` token). */
  source: 'sns' | 'relay';
  /** The SES notification JSON as it came. */
  raw: string;
  received_at: string;
}

export interface MailSuppressionsTable {
  email: string;
  reason: 'bounce' | 'complaint';
  since: string;
  lifted_at: string | null;
  lifted_by: string | null;
}

/** A curated person `/who` can name (migration 0007). */
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

/** A person a user named in their own library (migration 0007). */
export interface PeopleTable {
  id: string;
  owner_id: string;
  name: string;
  link: string | null;
  /** 0 or 1. */
  hidden: ColumnType<number, number | undefined, number>;
  cover_face_id: string | null;
  created_at: string;
}

export type FaceAssignment = 'user' | 'match';

/** A face found in a user's photo or video poster. */
export interface FacesTable {
  id: string;
  file_id: string;
  owner_id: string;
  /** The box, in fractions (0–1) of the oriented image. */
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  /** base64 of 128 little-endian float32. */
  descriptor: string;
  person_id: string | null;
  assigned_by: FaceAssignment | null;
  suggested_person_id: string | null;
  distance: number | null;
  cluster_id: string | null;
  created_at: string;
}

export interface FaceRejectionsTable {
  face_id: string;
  person_id: string;
}

export interface Database {
  users: UsersTable;
  files: FilesTable;
  tokens: TokensTable;
  shares: SharesTable;
  links: LinksTable;
  audit_events: AuditEventsTable;
  instances: InstancesTable;
  instance_settings: InstanceSettingsTable;
  library_versions: LibraryVersionsTable;
  mail_outbox: MailOutboxTable;
  mail_tokens: MailTokensTable;
  ses_events: SesEventsTable;
  mail_suppressions: MailSuppressionsTable;
  jobs: JobsTable;
  notable_people: NotablePeopleTable;
  notable_faces: NotableFacesTable;
  people: PeopleTable;
  faces: FacesTable;
  face_rejections: FaceRejectionsTable;
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
export type OutboxRow = Selectable<MailOutboxTable>;
export type NewOutboxRow = Insertable<MailOutboxTable>;
export type SesEventRow = Selectable<SesEventsTable>;
export type JobRow = Selectable<JobsTable>;
export type NewJobRow = Insertable<JobsTable>;
export type NotablePersonRow = Selectable<NotablePeopleTable>;
export type PersonRow = Selectable<PeopleTable>;
export type FaceRow = Selectable<FacesTable>;
export type NewFaceRow = Insertable<FacesTable>;
