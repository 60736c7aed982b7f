import type { ExpressionBuilder } from 'kysely';
import type { Database, UserRow } from '../../db/schema.js';
import type { User } from '../../domain/user.js';

/**
 * A user row as the domain sees it, and the one mapping from it. Its own module because the
 * access repository reads the caller's account in the same query as a file, and features
 * reach each other only through services and pure modules like this one, never a repository.
 */

export interface UserWithHash extends User {
  passwordHash: string;
}

/** Whether the user's address is suppressed, read with the user in one query. */
export function isEmailSuppressed(eb: ExpressionBuilder<Database, 'users'>) {
  return eb.exists(eb.selectFrom('mail_suppressions').select('mail_suppressions.email').whereRef('mail_suppressions.email', '=', 'users.email').where('mail_suppressions.lifted_at', 'is', null));
}

/** A user row (with whether its address is suppressed) as the domain sees it. */
export function toUser(row: UserRow & { email_suppressed: unknown }): UserWithHash {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    isAdmin: Boolean(row.is_admin),
    disabled: Boolean(row.disabled),
    sessionsValidAfter: Number(row.sessions_valid_after),
    createdAt: row.created_at,
    emailVerified: Boolean(row.email_verified),
    // PostgreSQL answers a boolean, SQLite and MariaDB 0 or 1.
    emailSuppressed: row.email_suppressed === true || Number(row.email_suppressed) === 1,
    noticesEnabled: Boolean(row.notices_enabled),
    language: row.language,
    faceRecognition: Number(row.face_recognition) === 1,
    passwordHash: row.password_hash,
  };
}
