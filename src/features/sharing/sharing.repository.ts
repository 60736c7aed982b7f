import type { Executor } from '../../db/connect.js';
import type { LinkRow } from '../../db/schema.js';
import { toStoredFile, type StoredFile } from '../files/stored-file.js';

export interface Share {
  fileId: string;
  username: string;
  name: string;
  createdAt: string;
}

/** A public link as the service sees it (the row stays here). */
export interface StoredLink {
  id: string;
  fileId: string;
  tokenHash: string;
  /** The token, sealed with the server's key (the link can be shown again). */
  tokenSealed: string;
  passwordHash: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  views: number;
  includeLocation: boolean;
}

function toStoredLink(row: LinkRow): StoredLink {
  return {
    id: row.id,
    fileId: row.file_id,
    tokenHash: row.token_hash,
    tokenSealed: row.token_sealed,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    views: Number(row.views),
    includeLocation: Number(row.include_location) === 1,
  };
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

export async function insertLink(db: Executor, link: StoredLink): Promise<void> {
  await db
    .insertInto('links')
    .values({
      id: link.id,
      file_id: link.fileId,
      token_hash: link.tokenHash,
      token_sealed: link.tokenSealed,
      password_hash: link.passwordHash,
      created_at: link.createdAt,
      expires_at: link.expiresAt,
      revoked_at: link.revokedAt,
      views: link.views,
      include_location: link.includeLocation ? 1 : 0,
    })
    .execute();
}

export async function listActiveLinks(db: Executor, fileId: string, now: string): Promise<StoredLink[]> {
  const rows = await db
    .selectFrom('links')
    .selectAll()
    .where('file_id', '=', fileId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toStoredLink);
}

export async function findLinkByHash(db: Executor, tokenHash: string): Promise<StoredLink | undefined> {
  const row = await db.selectFrom('links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toStoredLink(row);
}

/** A link by its token's hash, with its file and whether the file's owner is enabled, in one query. */
export async function findLinkWithFile(db: Executor, tokenHash: string): Promise<{ link: StoredLink; file: StoredFile; ownerEnabled: boolean } | undefined> {
  const row = await db
    .selectFrom('links')
    .innerJoin('files', 'files.id', 'links.file_id')
    .innerJoin('users', 'users.id', 'files.owner_id')
    .selectAll('files')
    .select([
      'links.id as link_id',
      'links.file_id as link_file_id',
      'links.token_hash as link_token_hash',
      'links.token_sealed as link_token_sealed',
      'links.password_hash as link_password_hash',
      'links.created_at as link_created_at',
      'links.expires_at as link_expires_at',
      'links.revoked_at as link_revoked_at',
      'links.views as link_views',
      'links.include_location as link_include_location',
      'users.disabled as owner_disabled',
    ])
    .where('links.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const link = toStoredLink({
    id: row.link_id,
    file_id: row.link_file_id,
    token_hash: row.link_token_hash,
    token_sealed: row.link_token_sealed,
    password_hash: row.link_password_hash,
    created_at: row.link_created_at,
    expires_at: row.link_expires_at,
    include_location: row.link_include_location,
    revoked_at: row.link_revoked_at,
    views: row.link_views,
  });
  return { link, file: toStoredFile(row), ownerEnabled: !Number(row.owner_disabled) };
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
