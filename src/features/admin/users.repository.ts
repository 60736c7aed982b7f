import { sql } from 'kysely';
import type { Executor } from '../../db/connect.js';
import { containsText } from '../../db/contains.js';
import type { User } from '../../domain/user.js';

/** An account as administrators list it: the user, and the bytes their files take. */
export interface UserSummary extends Omit<User, 'sessionsValidAfter'> {
  storageBytes: number;
}

export async function listUsers(db: Executor, options: { q?: string; after?: string; limit: number }): Promise<UserSummary[]> {
  let query = db
    .selectFrom('users')
    .select(['id', 'username', 'name', 'email', 'is_admin', 'disabled', 'created_at', 'email_verified', 'notices_enabled', 'language', 'face_recognition'])
    .select((eb) => eb.exists(eb.selectFrom('mail_suppressions').select('mail_suppressions.email').whereRef('mail_suppressions.email', '=', 'users.email').where('mail_suppressions.lifted_at', 'is', null)).as('email_suppressed'))
    // A subquery rather than GROUP BY: portable, and MariaDB has no functional-dependency rule.
    .select((eb) => eb.fn.coalesce(eb.selectFrom('files').select((f) => f.fn.sum<number | string>('size').as('total')).whereRef('files.owner_id', '=', 'users.id'), sql.lit(0)).as('storage_bytes'));
  if (options.q) {
    const text = options.q;
    query = query.where((eb) => eb.or([containsText('username', text), containsText('name', text), containsText('email', text)]));
  }
  if (options.after) query = query.where('username', '>', options.after);
  const rows = await query.orderBy('username').limit(options.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    isAdmin: Boolean(row.is_admin),
    disabled: Boolean(row.disabled),
    createdAt: row.created_at,
    emailVerified: Boolean(row.email_verified),
    emailSuppressed: row.email_suppressed === true || Number(row.email_suppressed) === 1,
    noticesEnabled: Boolean(row.notices_enabled),
    language: row.language,
    faceRecognition: Number(row.face_recognition) === 1,
    storageBytes: Number(row.storage_bytes ?? 0),
  }));
}

export async function updateUserFlags(db: Executor, id: string, flags: { disabled?: boolean; isAdmin?: boolean }): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({
      ...(flags.disabled !== undefined ? { disabled: flags.disabled ? 1 : 0 } : {}),
      ...(flags.isAdmin !== undefined ? { is_admin: flags.isAdmin ? 1 : 0 } : {}),
    })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
