import type { Executor } from '../../db/connect.js';
import type { LinkRow } from '../../db/schema.js';
import { toStoredFile, type StoredFile } from '../files/stored-file.js';

export interface Share {
  fileId: string;
  username: string;
  name: string;
  createdAt: string;
}

export async function insertShare(db: Executor, fileId: string, userId: string, createdAt: string): Promise<void> {
  await db.insertInto('shares').values({ file_id: fileId, user_id: userId, created_at: createdAt }).execute();
}

export async function listShares(db: Executor, fileId: string): Promise<Share[]> {
  const rows = await db
    .selectFrom('shares')
    .innerJoin('users', 'users.id', 'shares.user_id')
    .select(['shares.file_id', 'users.username', 'users.name', 'shares.created_at'])
    .where('shares.file_id', '=', fileId)
    .orderBy('shares.created_at')
    .execute();
  return rows.map((row) => ({ fileId: row.file_id, username: row.username, name: row.name, createdAt: row.created_at }));
}

export async function deleteShare(db: Executor, fileId: string, username: string): Promise<boolean> {
  const result = await db
    .deleteFrom('shares')
    .where('file_id', '=', fileId)
    .where('user_id', 'in', (eb) => eb.selectFrom('users').select('id').where('username', '=', username))
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Files shared with a user, most recently shared first, after an optional position. */
export async function listSharedWith(db: Executor, userId: string, limit: number, after?: { sharedAt: string; id: string }): Promise<Array<StoredFile & { sharedAt: string; ownerUsername: string }>> {
  let query = db
    .selectFrom('shares')
    .innerJoin('files', 'files.id', 'shares.file_id')
    .innerJoin('users', 'users.id', 'files.owner_id')
    .selectAll('files')
    .select(['shares.created_at as shared_at', 'users.username as owner_username'])
    .where('shares.user_id', '=', userId);
  if (after) {
    query = query.where((eb) => eb.or([eb('shares.created_at', '<', after.sharedAt), eb.and([eb('shares.created_at', '=', after.sharedAt), eb('files.id', '<', after.id)])]));
  }
  const rows = await query.orderBy('shares.created_at', 'desc').orderBy('files.id', 'desc').limit(limit).execute();
  return rows.map((row) => ({ ...toStoredFile(row), sharedAt: row.shared_at, ownerUsername: row.owner_username }));
}

export async function insertLink(db: Executor, link: LinkRow): Promise<void> {
  await db.insertInto('links').values(link).execute();
}

export async function listActiveLinks(db: Executor, fileId: string, now: string): Promise<LinkRow[]> {
  return db
    .selectFrom('links')
    .selectAll()
    .where('file_id', '=', fileId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('created_at', 'desc')
    .execute();
}

export async function findLinkByHash(db: Executor, tokenHash: string): Promise<LinkRow | undefined> {
  return db.selectFrom('links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** The owner of a link's file, for the object check of the `link` domain. */
export async function findLinkOwner(db: Executor, linkId: string): Promise<string | undefined> {
  const row = await db.selectFrom('links').innerJoin('files', 'files.id', 'links.file_id').select('files.owner_id').where('links.id', '=', linkId).where('links.revoked_at', 'is', null).executeTakeFirst();
  return row?.owner_id;
}

export async function revokeLink(db: Executor, id: string, at: string): Promise<void> {
  await db.updateTable('links').set({ revoked_at: at }).where('id', '=', id).execute();
}

export async function revokeLinksOfOwner(db: Executor, ownerId: string, at: string): Promise<number> {
  const result = await db
    .updateTable('links')
    .set({ revoked_at: at })
    .where('revoked_at', 'is', null)
    .where('file_id', 'in', (eb) => eb.selectFrom('files').select('id').where('owner_id', '=', ownerId))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function countView(db: Executor, id: string): Promise<void> {
  await db.updateTable('links').set((eb) => ({ views: eb('views', '+', 1) })).where('id', '=', id).execute();
}
