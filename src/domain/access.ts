import type { Session, User } from './user.js';

/**
 * The words of access control, shared by the access plugin, the routes that declare who may
 * call them, and the services and repositories that take a caller or store scopes.
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

/** Who is calling: the user, how they proved it, and what this credential may do. */
export interface Caller {
  user: User;
  via: 'session' | 'basic' | 'token' | 'jwt';
  scopes: ReadonlySet<Scope>;
  session?: Session;
  /** The personal access token behind a token or JWT call. */
  tokenId?: string;
}

/** The scopes a user holds: every granted one, except `admin` for someone who is not. */
export function scopesOf(user: User, granted: Iterable<Scope> = SCOPES): Set<Scope> {
  return new Set([...granted].filter((scope) => scope !== 'admin' || user.isAdmin));
}
