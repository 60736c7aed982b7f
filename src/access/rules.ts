import type { FastifyRequest } from 'fastify';
import { scopesOf, type Access, type Caller, type ObjectMode, type Scope } from '../domain/access.js';
import type { Session, User } from '../domain/user.js';

/**
 * Who may do what: the domain words of access control (scopes, groups, the rule a route
 * declares, the caller) come from src/domain/access.ts; here is what the access plugin and
 * the access feature share on top of them: claims, authenticators, object rules, verdicts.
 * Below the features, which use it, and beside the plugins: plugins/access.ts is only its
 * HTTP edge.
 */

export { GROUPS, SCOPES, scopesOf } from '../domain/access.js';
export type { Access, Caller, ObjectMode, Scope } from '../domain/access.js';

export const OPEN: Access = { kind: 'open' };
export const AUTH = (scope?: Scope): Access => ({ kind: 'auth', ...(scope ? { scope } : {}) });
export const GROUP = (group: string, scope?: Scope): Access => ({ kind: 'group', group, ...(scope ? { scope } : {}) });
export const OBJECT = (domain: string, param: string, mode: ObjectMode, scope?: Scope): Access => ({ kind: 'object', domain, param, mode, ...(scope ? { scope } : {}) });

export type Via = Caller['via'];

/**
 * A credential that checked out whose account is not read yet: the account must still
 * exist and satisfy `accepts` (not disabled, sessions not voided since, the same password).
 * Reading the account once per request — alone, or in the same query as the object a
 * route reads (see plugins/access.ts) — keeps disabling or signing out instant everywhere.
 */
export interface Claim {
  userId: string;
  via: Via;
  /** The scopes the credential grants, before `admin` is limited to administrators. */
  granted?: Iterable<Scope>;
  session?: Session;
  tokenId?: string;
  accepts(account: User & { passwordHash: string }): boolean;
  /** Called when the account no longer accepts the credential (a voided session is removed). */
  rejected?(): Promise<void>;
  /** Called once the account accepted the credential (a token's use is recorded). */
  accepted?(user: User): Promise<void>;
}

/**
 * One authentication scheme. `absent` when the request carries no credentials of this kind,
 * `invalid` when it carries bad ones (a 401 at once: a bad credential never falls through
 * to a weaker one).
 */
export interface Authenticator {
  name: string;
  authenticate(request: FastifyRequest): Promise<Caller | Claim | 'absent' | 'invalid'>;
}

export type Verdict = 'allowed' | 'hidden' | 'denied';

/**
 * The object rule of a domain: the caller's verdict on one object, and the object itself so
 * the handler does not read it again. With `loadsAccount`, `check` also returns the caller's
 * account from the same query: a read of such an object then costs one query in all,
 * however the caller signed in (see Claim).
 */
export interface ObjectRule {
  loadsAccount: boolean;
  check(userId: string, id: string, mode: ObjectMode): Promise<{ verdict: Verdict; object?: unknown; account?: User & { passwordHash: string } }>;
}

export function isClaim(result: Caller | Claim): result is Claim {
  return 'accepts' in result;
}

/** The caller a claim becomes once its account accepted it. */
export function callerFromClaim(claim: Claim, user: User): Caller {
  return {
    user,
    via: claim.via,
    scopes: scopesOf(user, claim.granted),
    ...(claim.session ? { session: claim.session } : {}),
    ...(claim.tokenId ? { tokenId: claim.tokenId } : {}),
  };
}

/** How a user may reach a file: as its owner, through a share, or (absent) not at all. */
export type FileRight = 'owner' | 'shared';

/** Owners may read and write; share recipients only read. */
export function verdictFor(right: FileRight | undefined, mode: ObjectMode): Verdict {
  if (!right) return 'hidden';
  return mode === 'write' && right !== 'owner' ? 'denied' : 'allowed';
}
