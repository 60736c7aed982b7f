import type { FileProcessing, FileRow } from '../../db/schema.js';
import { parseStoredMetadata, type StoredMetadata, type TakenAtSource } from './media-metadata.js';
import type { MediaKind } from './media-types.js';

/**
 * A file as services see it, and the one mapping from its row. Its own module because the
 * sharing repository reads file rows too (joined to links), and features reach each other
 * only through services and pure modules like this one, never a repository.
 */

/** A same-length byte edit at a file offset (adapters/media/location.ts): [offset, base64 bytes]. */
export type BytePatch = [at: number, base64: string];

export interface StoredFile {
  id: string;
  ownerId: string;
  name: string;
  kind: MediaKind;
  contentType: string;
  size: number;
  sha256: string;
  blobKey: string;
  thumbnailKey: string | null;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  createdAt: string;
  processing: FileProcessing;
  /** Background steps that failed for good (features/jobs/). */
  failedSteps: string[];
  takenAt: string;
  takenAtSource: TakenAtSource;
  metadata: StoredMetadata;
  /**
   * The edits that remove the photo's location; null until its bytes have been looked at;
   * 'unremovable' when it has a location no edit was found for.
   */
  locationPatches: BytePatch[] | 'unremovable' | null;
}

/** A file as a listing shows it: what the API's `file` needs, not where its bytes are. */
export type ListedFile = Omit<StoredFile, 'blobKey' | 'locationPatches'>;

/** The columns a listing reads (fewer strings for SQLite to make: ~20 % of its row time). */
export const LISTED_COLUMNS = [
  'id', 'owner_id', 'name', 'kind', 'content_type', 'size', 'sha256', 'thumbnail_key', 'width', 'height',
  'duration_seconds', 'created_at', 'processing', 'failed_steps', 'taken_at', 'taken_at_source', 'metadata',
] as const satisfies ReadonlyArray<keyof FileRow>;

export type ListedRow = Pick<FileRow, (typeof LISTED_COLUMNS)[number]>;

export function toListedFile(row: ListedRow): ListedFile {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    kind: row.kind,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    thumbnailKey: row.thumbnail_key,
    width: row.width,
    height: row.height,
    durationSeconds: row.duration_seconds === null ? null : Number(row.duration_seconds),
    createdAt: row.created_at,
    processing: row.processing,
    failedSteps: row.failed_steps ? row.failed_steps.split(',') : [],
    takenAt: row.taken_at ?? row.created_at,
    takenAtSource: row.taken_at_source,
    metadata: parseStoredMetadata(row.metadata),
  };
}

export function toStoredFile(row: FileRow): StoredFile {
  return { ...toListedFile(row), blobKey: row.blob_key, locationPatches: parsePatches(row.location_patches) };
}

function parsePatches(json: string | null): StoredFile['locationPatches'] {
  if (json === null) return null;
  const value = JSON.parse(json) as unknown;
  return Array.isArray(value) ? (value as BytePatch[]) : 'unremovable';
}
