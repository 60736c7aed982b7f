import type { Executor } from '../../db/connect.js';
import type { TokenRow } from '../../db/schema.js';
import type { Scope } from '../../domain/access.js';

export interface PersonalToken {
  id: string;
  userId: string;
  name: string;
  scopes: Scope[];
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  revokedAt: string | null;
}

function toToken(row: TokenRow): PersonalToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    scopes: row.scopes.split(' ').filter(Boolean) as Scope[],
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    lastUsedIp: row.last_used_ip,
    revokedAt: row.revoked_at,
  };
}

export async function insertToken(db: Executor, token: PersonalToken, secretHash: string): Promise<void> {
  await db
    .insertInto('tokens')
    .values({
      id: token.id,
      user_id: token.userId,
      name: token.name,
      scopes: token.scopes.join(' '),
      prefix: token.prefix,
      secret_hash: secretHash,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
      last_used_at: null,
      last_used_ip: null,
      revoked_at: null,
    })
    .execute();
}

export async function listActiveTokens(db: Executor, userId: string): Promise<PersonalToken[]> {
  const rows = await db.selectFrom('tokens').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null).orderBy('created_at', 'desc').execute();
  return rows.map(toToken);
}

export async function findTokenByHash(db: Executor, secretHash: string): Promise<PersonalToken | undefined> {
  const row = await db.selectFrom('tokens').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
  return row && toToken(row);
}

export async function findTokenById(db: Executor, id: string): Promise<PersonalToken | undefined> {
  const row = await db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toToken(row);
}

export async function revokeToken(db: Executor, userId: string, id: string, at: string): Promise<boolean> {
  const result = await db.updateTable('tokens').set({ revoked_at: at }).where('id', '=', id).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function recordTokenUse(db: Executor, id: string, at: string, ip: string): Promise<void> {
  await db.updateTable('tokens').set({ last_used_at: at, last_used_ip: ip }).where('id', '=', id).execute();
}
