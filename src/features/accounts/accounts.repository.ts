import type { ExpressionBuilder } from 'kysely';
import type { Executor } from '../../db/connect.js';
import { prepared } from '../../db/prepared.js';
import type { Database, NewUserRow } from '../../db/schema.js';

import type { User } from '../../domain/user.js';
import { isEmailSuppressed, toUser, type UserWithHash } from './user-row.js';

export type { User };

export { isEmailSuppressed, toUser, type UserWithHash };

function emailSuppressed(eb: ExpressionBuilder<Database, 'users'>) {
  return isEmailSuppressed(eb).as('email_suppressed');
}

/** A new account as the service describes it; the other columns take their defaults. */
export interface NewAccount {
  id: string;
  username: string;
  email: string;
  name: string;
  passwordHash: string;
  isAdmin: boolean;
  createdAt: string;
  /** The language of the account's mail; the column's default (en) when absent. */
  language?: string;
}

export async function insertUser(db: Executor, account: NewAccount): Promise<void> {
  const row: NewUserRow = {
    id: account.id,
    username: account.username,
    email: account.email,
    name: account.name,
    password_hash: account.passwordHash,
    is_admin: account.isAdmin ? 1 : 0,
    disabled: 0,
    created_at: account.createdAt,
    ...(account.language ? { language: account.language } : {}),
  };
  await db.insertInto('users').values(row).execute();
}

export async function findUserByUsername(db: Executor, username: string): Promise<UserWithHash | undefined> {
  const row = await db.selectFrom('users').selectAll().select(emailSuppressed).where('username', '=', username).executeTakeFirst();
  return row && toUser(row);
}

// Read on every request that carries a session or a token: prepared (see prepared.ts).
const userById = prepared((db: Executor, args: { id: string }) => db.selectFrom('users').selectAll().select(emailSuppressed).where('id', '=', args.id));

export async function findUserById(db: Executor, id: string): Promise<UserWithHash | undefined> {
  const [row] = await userById(db, { id });
  return row && toUser(row);
}

export async function findTakenIdentifiers(db: Executor, username: string, email: string): Promise<{ username: boolean; email: boolean }> {
  const rows = await db
    .selectFrom('users')
    .select(['username', 'email'])
    .where((eb) => eb.or([eb('username', '=', username), eb('email', '=', email)]))
    .execute();
  return { username: rows.some((r) => r.username === username), email: rows.some((r) => r.email === email) };
}

export async function updatePasswordHash(db: Executor, id: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
}

export async function voidSessionsBefore(db: Executor, id: string, instant: number): Promise<void> {
  await db.updateTable('users').set({ sessions_valid_after: instant }).where('id', '=', id).execute();
}

export async function setAdmin(db: Executor, id: string, isAdmin: boolean): Promise<void> {
  await db.updateTable('users').set({ is_admin: isAdmin ? 1 : 0 }).where('id', '=', id).execute();
}

/** The accounts that hold any of these usernames or addresses. */
export async function findAccountsHolding(db: Executor, usernames: string[], emails: string[]): Promise<Array<{ username: string; email: string }>> {
  if (usernames.length === 0 && emails.length === 0) return [];
  return db
    .selectFrom('users')
    .select(['username', 'email'])
    .where((eb) => eb.or([...(usernames.length > 0 ? [eb('username', 'in', usernames)] : []), ...(emails.length > 0 ? [eb('email', 'in', emails)] : [])]))
    .execute();
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserWithHash | undefined> {
  const row = await db.selectFrom('users').selectAll().select(emailSuppressed).where('email', '=', email).executeTakeFirst();
  return row && toUser(row);
}

export interface ProfileChanges {
  name?: string;
  email?: string;
  emailVerified?: boolean;
  noticesEnabled?: boolean;
  language?: string;
}

export async function updateProfile(db: Executor, id: string, changes: ProfileChanges): Promise<void> {
  const set = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.email !== undefined ? { email: changes.email } : {}),
    ...(changes.emailVerified !== undefined ? { email_verified: changes.emailVerified ? 1 : 0 } : {}),
    ...(changes.noticesEnabled !== undefined ? { notices_enabled: changes.noticesEnabled ? 1 : 0 } : {}),
    ...(changes.language !== undefined ? { language: changes.language } : {}),
  };
  if (Object.keys(set).length > 0) await db.updateTable('users').set(set).where('id', '=', id).execute();
}

/** Marks the address verified only if it is still the user's address. */
export async function markEmailVerified(db: Executor, id: string, email: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ email_verified: 1 }).where('id', '=', id).where('email', '=', email).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
