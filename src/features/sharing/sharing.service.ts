import { randomUUID } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Db } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/connect.js';
import { verdictFor } from '../../access/rules.js';
import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import { Conflict, Forbidden, InvalidRequest, NotFound, Unauthenticated } from '../../errors.js';
import type { AccessService } from '../access/access.service.js';
import type { AuditLog } from '../audit/audit.log.js';
import { takeAttempt } from '../attempt-limits.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { PasswordHasher } from '../accounts/passwords.js';
import type { StoredFile } from '../files/stored-file.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { LinkSecrets } from './link-secrets.js';
import * as sharing from './sharing.repository.js';
import type { Share, StoredLink } from './sharing.repository.js';

export type { Share };

/** New links only; enough that the per-link lockout, not luck, is what stops guessing. */
export const MIN_LINK_PASSWORD_LENGTH = 8;

export interface Link {
  id: string;
  fileId: string;
  token: string;
  createdAt: string;
  expiresAt: string | null;
  hasPassword: boolean;
  views: number;
  /** Visitors get the photo's location (GPS) too; off unless the owner chose it. */
  includeLocation: boolean;
}

export interface SharedFile extends StoredFile {
  sharedAt: string;
  ownerUsername: string;
}

/** Read-only shares with other users, and public links for people without an account. */
export class SharingService {
  constructor(
    private readonly db: Db,
    private readonly secrets: LinkSecrets,
    private readonly hasher: PasswordHasher,
    private readonly passwordAttempts: { perAddress: RateLimiterAbstract; perLink: RateLimiterAbstract },
    private readonly accounts: Pick<AccountsService, 'findUserByUsername'>,
    private readonly access: Pick<AccessService, 'fileRights' | 'linkOwners'>,
    private readonly audit: AuditLog,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Only the owner manages a file's shares and links: to someone it is shared with that is
   * a 403, to anyone else the file does not exist (the same answers as the routes' rule).
   */
  private async requireOwner(caller: Caller, fileId: string): Promise<void> {
    const verdict = verdictFor((await this.access.fileRights(caller.user.id, new Set([fileId]))).get(fileId), 'write');
    if (verdict === 'hidden') throw new NotFound('file');
    if (verdict === 'denied') throw new Forbidden('You can see this file but not change it.');
  }

  async share(caller: Caller, fileId: string, username: string, origin: Origin): Promise<Share> {
    await this.requireOwner(caller, fileId);
    const owner = caller.user;
    if (username === owner.username) throw new InvalidRequest('You already own this file.', [{ field: 'username', message: 'Choose another user.' }]);
    const recipient = await this.accounts.findUserByUsername(username);
    if (!recipient || recipient.disabled) throw new NotFound('user');
    const createdAt = this.clock.now().toISOString();
    try {
      await sharing.insertShare(this.db, fileId, recipient.id, createdAt);
    } catch (error) {
      if (isUniqueViolation(error)) throw new Conflict(`The file is already shared with ${username}.`, [{ field: 'username', reason: 'already_shared', message: 'Already shared with this user.' }]);
      throw error;
    }
    this.audit.record({ action: 'share.create', outcome: 'success', actor: owner, target: `file:${fileId}`, details: { with: recipient.username }, ...origin });
    return { fileId, username: recipient.username, name: recipient.name, createdAt };
  }

  async listShares(caller: Caller, fileId: string): Promise<Share[]> {
    await this.requireOwner(caller, fileId);
    return sharing.listShares(this.db, fileId);
  }

  async unshare(caller: Caller, fileId: string, username: string, origin: Origin): Promise<void> {
    await this.requireOwner(caller, fileId);
    if (!(await sharing.deleteShare(this.db, fileId, username))) throw new NotFound('share');
    this.audit.record({ action: 'share.revoke', outcome: 'success', actor: caller.user, target: `file:${fileId}`, details: { with: username }, ...origin });
  }

  async sharedWith(userId: string, limit: number, cursor?: string): Promise<{ items: SharedFile[]; nextCursor: string | null }> {
    const [sharedAt, id] = cursor === undefined ? [] : decodeCursor(cursor, 2);
    const after = sharedAt && id ? { sharedAt, id } : undefined;
    const rows = await sharing.listSharedWith(this.db, userId, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page, nextCursor: rows.length > limit && last ? encodeCursor([last.sharedAt, last.id]) : null };
  }

  async createLink(caller: Caller, fileId: string, options: { expiresAt?: string; password?: string; includeLocation?: boolean }, origin: Origin): Promise<Link> {
    await this.requireOwner(caller, fileId);
    const expiresAt = options.expiresAt === undefined ? null : new Date(options.expiresAt);
    if (expiresAt && expiresAt.getTime() <= this.clock.now().getTime()) throw new InvalidRequest('The expiry must be in the future.', [{ field: 'expiresAt', message: 'Choose a date in the future.' }]);
    // Links made before this rule may have shorter passwords; they keep working, behind the same limits.
    if (options.password !== undefined && [...options.password].length < MIN_LINK_PASSWORD_LENGTH) {
      throw new InvalidRequest(`A link password needs at least ${MIN_LINK_PASSWORD_LENGTH} characters.`, [{ field: 'password', message: `At least ${MIN_LINK_PASSWORD_LENGTH} characters.` }]);
    }
    const token = this.secrets.newToken();
    const stored: StoredLink = {
      id: randomUUID(),
      fileId,
      tokenHash: this.secrets.hash(token),
      tokenSealed: this.secrets.seal(token),
      passwordHash: options.password === undefined ? null : await this.hasher.hash(options.password),
      createdAt: this.clock.now().toISOString(),
      expiresAt: expiresAt?.toISOString() ?? null,
      revokedAt: null,
      views: 0,
      includeLocation: options.includeLocation ?? false,
    };
    await sharing.insertLink(this.db, stored);
    const link = this.toLink(stored);
    this.audit.record({ action: 'link.create', outcome: 'success', actor: caller.user, target: `file:${fileId}`, details: { link: link.id, expiresAt: link.expiresAt, password: link.hasPassword, includeLocation: link.includeLocation }, ...origin });
    return link;
  }

  async listLinks(caller: Caller, fileId: string): Promise<Link[]> {
    await this.requireOwner(caller, fileId);
    return (await sharing.listActiveLinks(this.db, fileId, this.clock.now().toISOString())).map((row) => this.toLink(row));
  }

  /** Only the owner of the linked file revokes a link; to anyone else it does not exist. */
  async revokeLink(caller: Caller, id: string, origin: Origin): Promise<void> {
    if ((await this.access.linkOwners(new Set([id]))).get(id) !== caller.user.id) throw new NotFound('link');
    await sharing.revokeLink(this.db, id, this.clock.now().toISOString());
    this.audit.record({ action: 'link.revoke', outcome: 'success', actor: caller.user, target: `link:${id}`, ...origin });
  }

  /** Audits a visitor's download through a link: once per download (see FilesService.recordDownload). */
  recordDownload(link: Link, file: StoredFile, origin: Origin): void {
    this.audit.record({ action: 'link.download', outcome: 'success', actor: null, target: `link:${link.id}`, details: { file: file.id }, ...origin });
  }

  /**
   * The file behind a public link, if the link is live and the visitor holds its password
   * (or the unlock cookie). Expired, revoked and unknown links are all just 404.
   */
  async open(token: string, access: { password?: string; unlockCookie?: string; ip: string }): Promise<{ link: Link; file: StoredFile }> {
    // One query: the link, its file and whether the file's owner is enabled — checked at
    // every visit, so enabling the owner again brings the links back.
    const found = /^[A-Za-z0-9_-]{32}$/.test(token) ? await sharing.findLinkWithFile(this.db, this.secrets.hash(token)) : undefined;
    const row = found?.link;
    if (!found || !row || row.revokedAt || (row.expiresAt && Date.parse(row.expiresAt) <= this.clock.now().getTime()) || !found.ownerEnabled) throw new NotFound('link');
    const { file } = found;
    if (row.passwordHash && !this.secrets.isUnlocked(access.unlockCookie, row.id)) await this.checkPassword(row, access.password, access.ip);
    return { link: this.toLink(row), file };
  }

  /** GET /links/:token: a visitor looks at the link's file (as `open`), and the view is counted. */
  async view(token: string, access: { password?: string; unlockCookie?: string; ip: string }): Promise<{ link: Link; file: StoredFile }> {
    const opened = await this.open(token, access);
    await sharing.countView(this.db, opened.link.id);
    return opened;
  }

  unlockCookie(linkId: string, ttlSeconds: number): string {
    return this.secrets.unlockCookie(linkId, this.clock.now().getTime() + ttlSeconds * 1000);
  }

  /** A visit without a password only asks for one; each password tried takes its points first (see takeAttempt). */
  private async checkPassword(row: StoredLink, password: string | undefined, ip: string): Promise<void> {
    if (password === undefined) throw new Unauthenticated();
    const attempt = await takeAttempt([
      { limiter: this.passwordAttempts.perAddress, key: `${row.id}:${ip}`, onSuccess: 'clear' },
      { limiter: this.passwordAttempts.perLink, key: row.id, onSuccess: 'refund' },
    ]);
    if (!row.passwordHash || !(await this.hasher.verify(row.passwordHash, password))) throw new Unauthenticated();
    await attempt.succeeded();
  }

  /** Revokes every live link to the files of a user (an administrator's action); returns how many. */
  async revokeLinksOf(ownerId: string): Promise<number> {
    return sharing.revokeLinksOfOwner(this.db, ownerId, this.clock.now().toISOString());
  }

  private toLink(stored: StoredLink): Link {
    return {
      id: stored.id,
      fileId: stored.fileId,
      token: this.secrets.unseal(stored.tokenSealed),
      createdAt: stored.createdAt,
      expiresAt: stored.expiresAt,
      hasPassword: stored.passwordHash !== null,
      views: stored.views,
      includeLocation: stored.includeLocation,
    };
  }
}
