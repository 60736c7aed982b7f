import type { Db } from '../../db/connect.js';
import { InvalidRequest, NotFound } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { AuditLog } from '../audit/audit.log.js';
import { toPublicUser, type PublicUser } from '../accounts/accounts.service.js';
import type { SharingService } from '../sharing/sharing.service.js';
import * as users from './users.repository.js';
import type { UserSummary } from './users.repository.js';

export type { UserSummary };

export interface UserChanges {
  disabled?: boolean;
  isAdmin?: boolean;
}

/** What administrators do to accounts. */
export class AdminUsersService {
  constructor(
    private readonly db: Db,
    private readonly accounts: AccountsService,
    private readonly sharing: SharingService,
    private readonly audit: AuditLog,
  ) {}

  async list(options: { q?: string; cursor?: string; limit: number }): Promise<{ items: UserSummary[]; nextCursor: string | null }> {
    const [after] = options.cursor === undefined ? [] : decodeCursor(options.cursor, 1);
    const items = await users.listUsers(this.db, { limit: options.limit + 1, ...(options.q ? { q: options.q.trim() } : {}), ...(after ? { after } : {}) });
    const page = items.slice(0, options.limit);
    const last = page.at(-1);
    return { items: page, nextCursor: items.length > options.limit && last ? encodeCursor([last.username]) : null };
  }

  async update(caller: Caller, id: string, changes: UserChanges, origin: Origin): Promise<PublicUser> {
    const admin = caller.user;
    // An administrator cannot lock themselves out; another administrator can.
    if (id === admin.id && (changes.disabled === true || changes.isAdmin === false)) {
      throw new InvalidRequest('You cannot disable your own account or remove your own administrator rights.', [{ field: changes.disabled ? 'disabled' : 'isAdmin', message: 'Ask another administrator.' }]);
    }
    if (!(await users.updateUserFlags(this.db, id, changes))) throw new NotFound('user');
    if (changes.disabled) await this.accounts.signOutEverywhere(id);
    const user = await this.accounts.findUser(id);
    if (!user) throw new NotFound('user');
    this.audit.record({ action: 'admin.user_update', outcome: 'success', actor: admin, target: `user:${user.id}`, details: { ...changes, username: user.username }, ...origin });
    return toPublicUser(user);
  }

  /** Ends every session and JWT of a user. */
  async signOut(caller: Caller, id: string, origin: Origin): Promise<void> {
    if (!(await this.accounts.findUser(id))) throw new NotFound('user');
    await this.accounts.signOutEverywhere(id);
    this.audit.record({ action: 'admin.sign_out', outcome: 'success', actor: caller.user, target: `user:${id}`, ...origin });
  }

  /** Revokes every public link to the user's files; returns how many were live. */
  async revokeLinks(caller: Caller, id: string, origin: Origin): Promise<number> {
    if (!(await this.accounts.findUser(id))) throw new NotFound('user');
    const revoked = await this.sharing.revokeLinksOf(id);
    this.audit.record({ action: 'admin.links_revoke', outcome: 'success', actor: caller.user, target: `user:${id}`, details: { revoked }, ...origin });
    return revoked;
  }
}
