import type { Executor } from '../../db/connect.js';
import type { NewUserRow, UserRow } from '../../db/schema.js';

export interface User {
  id: string;
  username: string;
  name: string;
  email: string;
  isAdmin: boolean;
  disabled: boolean;
  sessionsValidAfter: number;
  createdAt: string;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

function toUser(row: UserRow): UserWithHash {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    isAdmin: Boolean(row.is_admin),
    disabled: Boolean(row.disabled),
    sessionsValidAfter: Number(row.sessions_valid_after),
    createdAt: row.created_at,
    passwordHash: row.password_hash,
  };
}

export async function insertUser(db: Executor, row: NewUserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function findUserByUsername(db: Executor, username: string): Promise<UserWithHash | undefined> {
  const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  return row && toUser(row);
}

export async function findUserById(db: Executor, id: string): Promise<UserWithHash | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
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
