import type { FastifyRequest } from 'fastify';
import type { User } from '../features/accounts/accounts.repository.js';
import type { Session } from '../features/accounts/sessions.service.js';

/**
 * Who may do what: the domain words of access control (scopes, groups, the rule a route
 * declares, the caller). Below the features, which use it, and beside the plugins:
 * plugins/access.ts is only its HTTP edge. Only types are taken from the accounts feature.
 */

/** What a program's token may do. Browsers and Basic credentials get every scope the user has. */
export const SCOPES = ['files:read', 'files:write', 'shares:write', 'admin', 'webhooks:ses'] as const;
export type Scope = (typeof SCOPES)[number];

/** The groups a route may require. `admin` is the users flagged as administrators. */
export const GROUPS = ['admin'] as const;

export type ObjectMode = 'read' | 'write';

/**
 * Who may call a route. Every route declares one in `config.access`; the app refuses to
 * boot if a route declares none, names an unknown group, or an object domain nobody checks.
 */
export type Access =
  | { kind: 'open' }
  | { kind: 'auth'; scope?: Scope }
  | { kind: 'group'; group: string; scope?: Scope }
  | { kind: 'object'; domain: string; param: string; mode: ObjectMode; scope?: Scope };

export const OPEN: Access = { kind: 'open' };
export const AUTH = (scope?: Scope): Access => ({ kind: 'auth', ...(scope ? { scope } : {}) });
export const GROUP = (group: string, scope?: Scope): Access => ({ kind: 'group', group, ...(scope ? { scope } : {}) });
export const OBJECT = (domain: string, param: string, mode: ObjectMode, scope?: Scope): Access => ({ kind: 'object', domain, param, mode, ...(scope ? { scope } : {}) });

export type Via = 'session' | 'basic' | 'token' | 'jwt';

export interface Caller {
  user: User;
  via: Via;
  scopes: ReadonlySet<Scope>;
  session?: Session;
  /** The personal access token behind a token or JWT call. */
  tokenId?: string;
}

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

export function scopesOf(user: Pick<User, 'isAdmin'>, granted: Iterable<Scope> = SCOPES): Set<Scope> {
  return new Set([...granted].filter((scope) => scope !== 'admin' || user.isAdmin));
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
