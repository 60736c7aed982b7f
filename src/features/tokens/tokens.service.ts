import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import { Forbidden, InvalidRequest, NotFound } from '../../errors.js';
import type { Caller, Scope } from '../../domain/access.js';
import { SCOPES } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { AccountsService, User } from '../accounts/accounts.service.js';
import { requirePasswordCaller } from '../accounts/auth.service.js';
import type { AuditLog } from '../audit/audit.log.js';
import type { JwtIssuer } from './jwt.js';
import * as tokens from './tokens.repository.js';
import type { PersonalToken } from './tokens.repository.js';

export type { PersonalToken };

/** A recognisable prefix, so secret scanners can find leaked tokens. */
export const TOKEN_PREFIX = 'coffer_pat_';
// Writing "last used" on every call would turn each read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_TOKENS_PER_USER = 100;
/** Tokens are managed with the password (browser or Basic), never with another token. */
const WITH_PASSWORD = 'Manage tokens while signed in with your password, not with a token.';

export interface NewToken {
  name: string;
  scopes: string[];
  expiresAt?: string;
}

export class TokensService {
  constructor(
    private readonly db: Db,
    private readonly accounts: AccountsService,
    private readonly audit: AuditLog,
    private readonly jwt: JwtIssuer,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * POST /auth/token: a short-lived JWT with the caller's scopes, for Basic credentials or a
   * personal access token (whose family it joins: revoking the token ends it).
   */
  async issueAccessToken(caller: Caller): Promise<{ accessToken: string; tokenType: 'Bearer'; expiresIn: number; scope: string }> {
    if (caller.via !== 'basic' && caller.via !== 'token') throw new Forbidden('Ask for an access token with Basic credentials or a personal access token.');
    const scopes = [...caller.scopes];
    const accessToken = await this.jwt.issue(caller.user.id, scopes, caller.tokenId ?? null);
    return { accessToken, tokenType: 'Bearer', expiresIn: this.jwt.ttlSeconds, scope: scopes.join(' ') };
  }

  /** Creates a token; its secret is returned here once and stored only as a hash. */
  async create(caller: Caller, input: NewToken, origin: Origin): Promise<{ token: PersonalToken; secret: string }> {
    const { user } = requirePasswordCaller(caller, WITH_PASSWORD);
    const name = input.name.trim();
    const problems = [];
    if (name.length === 0 || name.length > 100) problems.push({ field: 'name', message: 'Give the token a name of 1 to 100 characters.' });
    const unknown = input.scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (input.scopes.length === 0 || unknown.length > 0) problems.push({ field: 'scopes', message: `Choose scopes among ${SCOPES.join(', ')}.` });
    if (input.scopes.includes('admin') && !user.isAdmin) problems.push({ field: 'scopes', message: 'Only administrators can create tokens with the "admin" scope.' });
    const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
    if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= this.clock.now().getTime())) problems.push({ field: 'expiresAt', message: 'The expiry must be a date in the future.' });
    if ((await tokens.listActiveTokens(this.db, user.id)).length >= MAX_TOKENS_PER_USER) problems.push({ field: 'name', message: `You already have ${MAX_TOKENS_PER_USER} tokens; revoke some first.` });
    if (problems.length > 0) throw new InvalidRequest(problems.map((p) => p.message).join(' '), problems);

    const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const token: PersonalToken = {
      id: randomUUID(),
      userId: user.id,
      name,
      scopes: [...new Set(input.scopes)] as Scope[],
      prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
      createdAt: this.clock.now().toISOString(),
      expiresAt: expiresAt?.toISOString() ?? null,
      lastUsedAt: null,
      lastUsedIp: null,
      revokedAt: null,
    };
    await tokens.insertToken(this.db, token, hashSecret(secret));
    this.audit.record({ action: 'token.create', outcome: 'success', actor: user, target: `token:${token.id}`, details: { name: token.name, scopes: token.scopes }, ...origin });
    return { token, secret };
  }

  async list(caller: Caller): Promise<PersonalToken[]> {
    return tokens.listActiveTokens(this.db, requirePasswordCaller(caller, WITH_PASSWORD).user.id);
  }

  async revoke(caller: Caller, id: string, origin: Origin): Promise<void> {
    const { user } = requirePasswordCaller(caller, WITH_PASSWORD);
    if (!(await tokens.revokeToken(this.db, user.id, id, this.clock.now().toISOString()))) throw new NotFound('token');
    this.audit.record({ action: 'token.revoke', outcome: 'success', actor: user, target: `token:${id}`, ...origin });
  }

  /**
   * The user and token behind a presented secret, if it is current; records its use, and
   * audits the token's first appearance as a credential (`auditFirstUse`; the SES relay's
   * check does not).
   */
  async authenticate(secret: string, origin: Origin, auditFirstUse = true): Promise<{ user: User; token: PersonalToken } | undefined> {
    const token = await this.findCurrent(secret);
    const user = token && (await this.accounts.findActiveUser(token.userId));
    if (!token || !user) return undefined;
    await this.recordUse(token, user, origin, auditFirstUse);
    return { user, token };
  }

  /** The token behind a presented secret, if it is current (its account is not read). */
  async findCurrent(secret: string): Promise<PersonalToken | undefined> {
    const token = await tokens.findTokenByHash(this.db, hashSecret(secret));
    return token && isCurrent(token, this.clock) ? token : undefined;
  }

  /** Notes that a token was used (at most once a LAST_USED_RESOLUTION_MS per address), and audits its first use. */
  async recordUse(token: PersonalToken, user: User, origin: Origin, auditFirstUse = true): Promise<void> {
    const now = this.clock.now().getTime();
    const lastUsed = token.lastUsedAt ? Date.parse(token.lastUsedAt) : 0;
    if (now - lastUsed > LAST_USED_RESOLUTION_MS || token.lastUsedIp !== origin.ip) await tokens.recordTokenUse(this.db, token.id, new Date(now).toISOString(), origin.ip);
    if (auditFirstUse && token.lastUsedAt === null) this.audit.record({ action: 'token.first_use', outcome: 'success', actor: user, target: `token:${token.id}`, ...origin });
  }

  /** Whether a token (the family of the JWTs made from it) is still current. */
  async isCurrent(id: string): Promise<boolean> {
    const token = await tokens.findTokenById(this.db, id);
    return token !== undefined && isCurrent(token, this.clock);
  }
}

function isCurrent(token: PersonalToken, clock: Clock): boolean {
  return token.revokedAt === null && (token.expiresAt === null || Date.parse(token.expiresAt) > clock.now().getTime());
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function toTokenJson(token: PersonalToken) {
  return { id: token.id, name: token.name, scopes: token.scopes, prefix: token.prefix, createdAt: token.createdAt, expiresAt: token.expiresAt, lastUsedAt: token.lastUsedAt, lastUsedIp: token.lastUsedIp };
}
