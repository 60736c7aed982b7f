import type { Kysely } from 'kysely';

// Forward-only. Two lookups by owner that would otherwise scan all of a user's rows.
export async function up(db: Kysely<unknown>): Promise<void> {
  // "Does this owner already have these bytes?" on every upload (size and SHA-256 both known
  // by then), and the owner's duplicate groups, largest first (features/files/duplicates.ts).
  await db.schema.createIndex('files_owner_size_sha256_idx').on('files').columns(['owner_id', 'size', 'sha256']).execute();
  // Live events: the steps of an owner's files that ended after a stream's Last-Event-ID
  // (features/events/), read when a client reconnects.
  await db.schema.createIndex('jobs_owner_updated_idx').on('jobs').columns(['owner_id', 'updated_at', 'id']).execute();
}
