import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Db } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/connect.js';
import type { MailTokenPurpose } from '../../db/schema.js';
import { AppError, Conflict, InvalidRequest, RateLimited, Unavailable, type ErrorDetail } from '../../errors.js';
import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import { requirePasswordCaller } from '../accounts/auth.service.js';
import { EMAIL, validatePassword, type AccountsService, type User } from '../accounts/accounts.service.js';
import type { AuditLog } from '../audit/audit.log.js';
import type { BackgroundWork } from './background.js';
import * as mail from './mail.repository.js';
import type { MailService } from './mail.service.js';
import { isLanguage, LANGUAGES } from './templates.js';
import { systemClock, type Clock } from '../../shared/clock.js';

export const VERIFY_TTL_MS = 24 * 3600_000;
export const RESET_TTL_MS = 3600_000;

export class InvalidToken extends AppError {
  constructor() {
    super(400, 'invalid_token', 'This link is not valid: it was used already, it expired, or it was replaced by a newer one.');
  }
}

export interface AccountMailLimits {
  /** Verification resends, per user. */
  resend: RateLimiterAbstract;
  /** Forgot-password requests, per client address and per e-mail address. */
  forgotPerIp: RateLimiterAbstract;
  forgotPerAddress: RateLimiterAbstract;
}

export interface ProfileChanges {
  name?: string;
  email?: string;
  notices?: boolean;
  language?: string;
  currentPassword: string;
  /** On or off for the user's whole library (off deletes their faces). */
  faceRecognition?: boolean;
}

/** Turns face recognition on or off for a user's library (the faces feature's). */
export type SetFaceRecognition = (userId: string, on: boolean) => Promise<void>;

/**
 * The account flows that go through mail: address verification, changing the address,
 * forgotten passwords. Tokens are random, single-use, stored only as SHA-256 hashes.
 */
export class AccountMailService {
  constructor(
    private readonly db: Db,
    private readonly accounts: AccountsService,
    private readonly mail: MailService,
    private readonly limits: AccountMailLimits,
    private readonly background: BackgroundWork,
    private readonly audit: AuditLog,
    private readonly setFaceRecognition: SetFaceRecognition,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Sends a fresh verification link to the user's current address; older links stop working. */
  async sendVerification(user: Pick<User, 'id' | 'name' | 'email' | 'language'>): Promise<void> {
    const token = await this.issueToken(user.id, 'verify_email', user.email, VERIFY_TTL_MS);
    await this.mail.queue(user.email, user.language, { template: 'verify_email', name: user.name, link: this.mail.link('/verify-email', token) });
  }

  /** POST /auth/email/resend: rate-limited; nothing to do for a verified address. */
  async resendVerification(user: User): Promise<void> {
    await spend(this.limits.resend, user.id);
    if (user.emailVerified) return;
    await this.sendVerification(user);
  }

  /** POST /auth/email/verify: the link's token, once; only for the address it was sent to. */
  async verifyEmail(token: string, origin: Origin): Promise<User> {
    const used = await mail.consumeMailToken(this.db, 'verify_email', hashToken(token), this.clock.now().toISOString());
    if (!used || !(await this.accounts.markEmailVerified(used.userId, used.email))) throw new InvalidToken();
    const user = await this.accounts.findActiveUser(used.userId);
    if (!user) throw new InvalidToken();
    this.audit.record({ action: 'account.email_verified', outcome: 'success', actor: user, target: `user:${user.id}`, details: { email: user.email }, ...origin });
    return user;
  }

  /**
   * PATCH /auth/me: name, address, notices, language, face recognition, always with the
   * current password (never with a token). A new address is unverified until its link is
   * used, and the old one is told of the change.
   */
  async updateProfile(caller: Caller, changes: ProfileChanges, origin: Origin): Promise<User> {
    requirePasswordCaller(caller, 'Change your account while signed in with your password, not with a token.');
    const { currentPassword: _password, faceRecognition, ...audited } = changes;
    const updated = await this.updateAccount(caller.user, changes, origin.ip).catch((error: unknown) => {
      this.audit.record({ action: 'account.update', outcome: 'failure', actor: caller.user, target: `user:${caller.user.id}`, ...origin });
      throw error;
    });
    const { emailChangedFrom } = updated;
    let user = updated.user;
    if (faceRecognition !== undefined && faceRecognition !== user.faceRecognition) {
      await this.setFaceRecognition(user.id, faceRecognition);
      user = { ...user, faceRecognition };
    }
    this.audit.record({ action: 'account.update', outcome: 'success', actor: user, target: `user:${user.id}`, details: { ...audited, ...(faceRecognition !== undefined ? { faceRecognition } : {}), ...(emailChangedFrom ? { previousEmail: emailChangedFrom } : {}) }, ...origin });
    return user;
  }

  private async updateAccount(user: User, changes: ProfileChanges, ip: string): Promise<{ user: User; emailChangedFrom?: string }> {
    await this.accounts.verifyPassword(user, changes.currentPassword, ip);
    const name = changes.name?.trim();
    const email = changes.email?.trim().toLowerCase();
    const problems: ErrorDetail[] = [];
    if (name !== undefined && (name.length === 0 || name.length > 100)) problems.push({ field: 'name', message: 'Enter a name of 1 to 100 characters.' });
    if (email !== undefined && (email.length > 254 || !EMAIL.test(email))) problems.push({ field: 'email', message: 'Enter a valid email address.' });
    if (changes.language !== undefined && !isLanguage(changes.language)) problems.push({ field: 'language', message: `Choose one of ${LANGUAGES.join(', ')}.` });
    if (problems.length > 0) throw new InvalidRequest(problems.map((p) => p.message).join(' '), problems);

    const emailChanged = email !== undefined && email !== user.email;
    if (emailChanged && (await this.accounts.findUserByEmail(email))) throw emailTaken();
    try {
      await this.accounts.updateProfile(user.id, {
        ...(name !== undefined ? { name } : {}),
        ...(emailChanged ? { email, emailVerified: false } : {}),
        ...(changes.notices !== undefined ? { noticesEnabled: changes.notices } : {}),
        ...(changes.language !== undefined ? { language: changes.language } : {}),
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
    const updated = await this.accounts.findActiveUser(user.id);
    if (!updated) throw new InvalidToken();
    if (emailChanged) {
      await mail.voidMailTokens(this.db, user.id, 'verify_email', this.clock.now().toISOString());
      await this.sendVerification(updated);
      // Told whatever the notice setting: this is how a hijacked account is noticed.
      await this.mail.queue(user.email, updated.language, { template: 'email_changed', name: updated.name, newAddress: maskAddress(updated.email) });
    }
    return { user: updated, ...(emailChanged ? { emailChangedFrom: user.email } : {}) };
  }

  /**
   * POST /auth/password/forgot. The limits are spent first, for any address; the lookup and
   * the mail happen after the answer, so a known and an unknown address cost the caller
   * the same time and get the same 202.
   */
  async forgotPassword(address: string, ip: string): Promise<void> {
    const email = address.trim().toLowerCase();
    await spend(this.limits.forgotPerIp, ip);
    await spend(this.limits.forgotPerAddress, email);
    this.background.run('forgot-password', async () => {
      const user = await this.accounts.findUserByEmail(email);
      if (!user || user.disabled) return;
      const token = await this.issueToken(user.id, 'reset_password', user.email, RESET_TTL_MS);
      await this.mail.queue(user.email, user.language, { template: 'password_reset', name: user.name, link: this.mail.link('/reset-password', token) });
    });
  }

  /**
   * POST /auth/password/reset: checks the new password before the link is used up (a weak
   * one leaves the link valid), then sets it and ends every session, JWT and cached Basic
   * check. Using the link also proves the address.
   */
  async resetPassword(token: string, password: string, origin: Origin): Promise<User> {
    const user = await this.resetWithToken(token, password).catch((error: unknown) => {
      this.audit.record({ action: 'auth.password_reset', outcome: 'failure', details: { reason: error instanceof AppError ? error.code : 'error' }, ...origin });
      throw error;
    });
    this.audit.record({ action: 'auth.password_reset', outcome: 'success', actor: user, target: `user:${user.id}`, ...origin });
    return user;
  }

  private async resetWithToken(token: string, password: string): Promise<User> {
    const hash = hashToken(token);
    const now = this.clock.now().toISOString();
    const pending = await mail.findUsableMailToken(this.db, 'reset_password', hash, now);
    const owner = pending && (await this.accounts.findActiveUser(pending.userId));
    if (!pending || !owner) throw new InvalidToken();
    const problems = validatePassword(password, owner.username);
    if (problems.length > 0) throw new InvalidRequest(problems.map((p) => p.message).join(' '), problems);
    const used = await mail.consumeMailToken(this.db, 'reset_password', hash, now);
    if (!used) throw new InvalidToken();
    const user = await this.accounts.resetPassword(used.userId, password);
    await mail.voidMailTokens(this.db, user.id, 'reset_password', now);
    await this.accounts.markEmailVerified(user.id, used.email);
    return user;
  }

  private async issueToken(userId: string, purpose: MailTokenPurpose, email: string, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now().getTime();
    await mail.voidMailTokens(this.db, userId, purpose, new Date(now).toISOString());
    await mail.insertMailToken(this.db, { id: randomUUID(), userId, purpose, tokenHash: hashToken(token), email, createdAt: new Date(now).toISOString(), expiresAt: new Date(now + ttlMs).toISOString() });
    return token;
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** "a•••@example.com": enough for the owner to recognise, little for anyone else. */
export function maskAddress(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}•••@${domain}`;
}

function emailTaken(): Conflict {
  return new Conflict('An account with this email already exists.', [{ field: 'email', reason: 'email_taken', message: 'An account with this email already exists.' }]);
}

/** Spends one point of a limit first, atomically; a spent limit is a 429, a missing store a 503. */
async function spend(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw new RateLimited(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    throw new Unavailable('session store');
  }
}
