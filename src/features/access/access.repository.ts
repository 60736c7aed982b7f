import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import type { Executor } from '../../db/connect.js';
import { prepared } from '../../db/prepared.js';
import type { Database } from '../../db/schema.js';
import type { FileRight } from '../../access/rules.js';
import { isEmailSuppressed, toUser, type UserWithHash } from '../accounts/user-row.js';
import { toStoredFile, type StoredFile } from '../files/stored-file.js';

/**
 * The one place that says in SQL who may reach a file: its owner, and the users it is
 * shared with. Everything else (route checks, bulk operations, the handlers' file) goes
 * through these queries. Taken from immich's access repository: checks take a set of ids
 * and answer in one query.
 */

/** The caller's share of each file, joined once; `right` below reads it. */
function joinRights<Q extends SelectQueryBuilder<Database, 'files', object>>(query: Q, userId: string) {
  return query.leftJoin('shares', (join) => join.onRef('shares.file_id', '=', 'files.id').on('shares.user_id', '=', userId));
}

function rightOf(row: { owner_id: string | null; shared_with: string | null }, userId: string): FileRight | undefined {
  if (row.owner_id === userId) return 'owner';
  return row.shared_with !== null ? 'shared' : undefined;
}

/** How `userId` may reach each of `ids`, in one query; ids absent from the map are not reachable. */
export async function findFileRights(db: Executor, userId: string, ids: ReadonlySet<string>): Promise<Map<string, FileRight>> {
  if (ids.size === 0) return new Map();
  const rows = await joinRights(db.selectFrom('files'), userId)
    .select(['files.id', 'files.owner_id', 'shares.user_id as shared_with'])
    .where('files.id', 'in', [...ids])
    .execute();
  const rights = new Map<string, FileRight>();
  for (const row of rows) {
    const right = rightOf(row, userId);
    if (right) rights.set(row.id, right);
  }
  return rights;
}

export interface FileWithAccount {
  /** Undefined when the account does not exist. */
  account: UserWithHash | undefined;
  /** Undefined when the file does not exist or the account may not reach it. */
  file: StoredFile | undefined;
  right: FileRight | undefined;
}

/**
 * A file, the caller's right to it and the caller's account, in one query: what a content,
 * thumbnail or metadata request needs, so it costs one round trip. The account is the row
 * (the file may be missing); the file is left-joined and kept only where the caller may
 * reach it, so no field of someone else's file leaves this function.
 */
const fileWithAccount = prepared((db: Executor, args: { userId: string; fileId: string }) =>
  db
    .selectFrom('users')
    .leftJoin('files', (join) => join.on('files.id', '=', args.fileId))
    .leftJoin('shares', (join) => join.onRef('shares.file_id', '=', 'files.id').onRef('shares.user_id', '=', 'users.id'))
    .selectAll('files')
    .select([
      'users.id as account_id',
      'users.username as account_username',
      'users.email as account_email',
      'users.name as account_name',
      'users.password_hash as account_password_hash',
      'users.is_admin as account_is_admin',
      'users.disabled as account_disabled',
      'users.sessions_valid_after as account_sessions_valid_after',
      'users.created_at as account_created_at',
      'users.email_verified as account_email_verified',
      'users.notices_enabled as account_notices_enabled',
      'users.language as account_language',
      'users.face_recognition as account_face_recognition',
      'users.faces_version as account_faces_version',
    ])
    .select((eb) => isEmailSuppressed(eb as unknown as ExpressionBuilder<Database, 'users'>).as('account_email_suppressed'))
    .select('shares.user_id as shared_with')
    .where('users.id', '=', args.userId),
);

export async function findFileWithAccount(db: Executor, userId: string, fileId: string): Promise<FileWithAccount> {
  const [row] = await fileWithAccount(db, { userId, fileId });
  if (!row) return { account: undefined, file: undefined, right: undefined };
  const account = toUser({
    id: row.account_id,
    username: row.account_username,
    email: row.account_email,
    name: row.account_name,
    password_hash: row.account_password_hash,
    is_admin: row.account_is_admin,
    disabled: row.account_disabled,
    sessions_valid_after: row.account_sessions_valid_after,
    created_at: row.account_created_at,
    email_verified: row.account_email_verified,
    notices_enabled: row.account_notices_enabled,
    language: row.account_language,
    face_recognition: row.account_face_recognition,
    faces_version: row.account_faces_version,
    email_suppressed: row.account_email_suppressed,
  });
  const right = row.id === null ? undefined : rightOf(row, userId);
  return { account, right, file: right && row.id !== null ? toStoredFile(row as Parameters<typeof toStoredFile>[0]) : undefined };
}

/** The owner of each live (unrevoked) link among `ids`, in one query: only they manage it. */
export async function findLinkOwners(db: Executor, ids: ReadonlySet<string>): Promise<Map<string, string>> {
  if (ids.size === 0) return new Map();
  const rows = await db
    .selectFrom('links')
    .innerJoin('files', 'files.id', 'links.file_id')
    .select(['links.id', 'files.owner_id'])
    .where('links.id', 'in', [...ids])
    .where('links.revoked_at', 'is', null)
    .execute();
  return new Map(rows.map((row) => [row.id, row.owner_id]));
}
