import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/connect.js';
import { Conflict, InvalidRequest, Unauthenticated, type ErrorDetail } from '../../errors.js';
import * as users from './accounts.repository.js';
import type { User } from './accounts.repository.js';
import { CredentialCache } from './credential-cache.js';
import type { ImportedUser } from './csv-import.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './passwords.js';

export type { User };

export interface Registration {
  name: string;
  username: string;
  email: string;
  password: string;
  /** The language of the account's mail (default en); see mail/templates.ts. */
  language?: string;
}

/** The user as the API shows it (API.md `user`). */
export interface PublicUser {
  id: string;
  username: string;
  name: string;
  email: string;
  isAdmin: boolean;
  createdAt: string;
  emailVerified: boolean;
  emailSuppressed: boolean;
  notices: boolean;
  language: string;
}

export function toPublicUser(user: User): PublicUser {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    email: user.email,
    isAdmin: user.isAdmin,
    createdAt: user.createdAt,
    emailVerified: user.emailVerified,
    emailSuppressed: user.emailSuppressed,
    notices: user.noticesEnabled,
    language: user.language,
  };
}

const USERNAME = /^[a-z0-9_.-]{3,32}$/;
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is the mail's job.
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD_LENGTH = 10;

export function validateRegistration(input: Registration): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (input.name.trim().length === 0) problems.push({ field: 'name', message: 'Enter your name.' });
  if (input.name.length > 100) problems.push({ field: 'name', message: 'The name can be at most 100 characters.' });
  if (!USERNAME.test(input.username)) {
    problems.push({ field: 'username', message: 'The username must be 3 to 32 characters: lowercase letters, digits, "_", "." or "-".' });
  }
  if (input.email.length > 254 || !EMAIL.test(input.email)) problems.push({ field: 'email', message: 'Enter a valid email address.' });
  problems.push(...validatePassword(input.password, input.username));
  return problems;
}

export function validatePassword(password: string, username: string): ErrorDetail[] {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return [{ field: 'password', message: `The password must be at least ${MIN_PASSWORD_LENGTH} characters.` }];
  }
  if (password.length > 1024) return [{ field: 'password', message: 'The password can be at most 1024 characters.' }];
  if (password.toLowerCase() === username.toLowerCase()) {
    return [{ field: 'password', message: 'The password must not be the username.' }];
  }
  return [];
}

export class AccountsService {
  private readonly credentials = new CredentialCache();

  constructor(
    private readonly db: Db,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
  ) {}

  /** `coffer user create`: like registering, optionally as an administrator. */
  async createUser(input: Registration & { isAdmin: boolean }): Promise<PublicUser> {
    const user = await this.register(input);
    if (input.isAdmin) await users.setAdmin(this.db, user.id, true);
    // The operator who creates an account vouches for its address.
    await users.markEmailVerified(this.db, user.id, user.email);
    return { ...user, isAdmin: input.isAdmin, emailVerified: true };
  }

  /**
   * `coffer user import`: accounts with bcrypt hashes from another system, re-hashed to
   * argon2id at each one's first sign-in. Existing usernames are skipped, not changed.
   */
  async importUsers(imported: ImportedUser[]): Promise<{ created: string[]; skipped: string[] }> {
    const existing = new Set(await users.existingUsernames(this.db, imported.map((u) => u.username)));
    const fresh = imported.filter((u) => !existing.has(u.username));
    const createdAt = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      for (const u of fresh) {
        await users.insertUser(trx, {
          id: randomUUID(),
          username: u.username,
          // Imported lists carry no email; .invalid is reserved and can never be delivered.
          email: `${u.username}@imported.invalid`,
          name: u.username,
          password_hash: u.passwordHash,
          is_admin: u.isAdmin ? 1 : 0,
          disabled: 0,
          created_at: createdAt,
        });
      }
    });
    return { created: fresh.map((u) => u.username), skipped: imported.filter((u) => existing.has(u.username)).map((u) => u.username) };
  }

  async register(input: Registration): Promise<PublicUser> {
    const registration = { ...input, name: input.name.trim(), email: input.email.trim().toLowerCase() };
    const problems = validateRegistration(registration);
    if (problems.length > 0) throw new InvalidRequest('Some fields need attention.', problems);

    const taken = await users.findTakenIdentifiers(this.db, registration.username, registration.email);
    if (taken.username || taken.email) throw conflictFor(taken);

    const user = {
      id: randomUUID(),
      username: registration.username,
      email: registration.email,
      name: registration.name,
      password_hash: await this.hasher.hash(registration.password),
      is_admin: 0,
      disabled: 0,
      created_at: new Date().toISOString(),
      ...(input.language ? { language: input.language } : {}),
    };
    try {
      await users.insertUser(this.db, user);
    } catch (error) {
      // Two registrations raced past the check above: the unique index decides.
      if (isUniqueViolation(error)) throw conflictFor(await users.findTakenIdentifiers(this.db, user.username, user.email));
      throw error;
    }
    const created = await users.findUserById(this.db, user.id);
    if (!created) throw new Error(`the account ${user.id} vanished right after it was created`);
    return toPublicUser(created);
  }

  /**
   * Checks a username and password, rate-limited per IP and per username. Every failure
   * cause gives the same error after the same amount of work.
   */
  async authenticate(username: string, password: string, ip: string): Promise<User> {
    await this.throttle.assertAllowed(ip, username);
    const user = await users.findUserByUsername(this.db, username);
    const valid = user ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyDummy(password);
    if (!user || !valid || user.disabled) {
      await this.throttle.recordFailure(ip, username);
      throw new Unauthenticated();
    }
    await this.throttle.recordSuccess(username);
    if (this.hasher.needsRehash(user.passwordHash)) await users.updatePasswordHash(this.db, user.id, await this.hasher.hash(password));
    return user;
  }

  /**
   * Changes the password after checking the current one, and voids every session and JWT
   * made before; the caller signs the current browser in again.
   */
  async changePassword(user: User, currentPassword: string, newPassword: string, ip: string): Promise<void> {
    const current = await users.findUserById(this.db, user.id);
    if (!current || !(await this.hasher.verify(current.passwordHash, currentPassword))) {
      await this.throttle.recordFailure(ip, user.username);
      throw new InvalidRequest('The current password is not correct.', [{ field: 'currentPassword', message: 'The current password is not correct.' }]);
    }
    const problems = validatePassword(newPassword, user.username);
    if (newPassword === currentPassword) problems.push({ field: 'newPassword', message: 'The new password must differ from the current one.' });
    if (problems.length > 0) throw new InvalidRequest(problems.map((p) => p.message).join(' '), problems.map((p) => ({ ...p, field: 'newPassword' })));
    await users.updatePasswordHash(this.db, user.id, await this.hasher.hash(newPassword));
    await this.signOutEverywhere(user.id);
  }

  /**
   * Checks the signed-in user's password before a sensitive change (a new e-mail address);
   * a wrong one counts as a failed sign-in, as in changePassword.
   */
  async verifyPassword(user: User, password: string, ip: string): Promise<void> {
    const current = await users.findUserById(this.db, user.id);
    if (!current || !(await this.hasher.verify(current.passwordHash, password))) {
      await this.throttle.recordFailure(ip, user.username);
      throw new InvalidRequest('The current password is not correct.', [{ field: 'currentPassword', message: 'The current password is not correct.' }]);
    }
  }

  /**
   * Sets a new password without the old one (a password-reset link was used), and voids
   * every session and JWT made before; the cached Basic check ends with the old hash.
   */
  async resetPassword(userId: string, newPassword: string): Promise<User> {
    const user = await users.findUserById(this.db, userId);
    if (!user || user.disabled) throw new InvalidRequest('This link is not valid.', [{ field: 'token', message: 'Ask for a new link.' }]);
    const problems = validatePassword(newPassword, user.username);
    if (problems.length > 0) throw new InvalidRequest(problems.map((p) => p.message).join(' '), problems);
    await users.updatePasswordHash(this.db, user.id, await this.hasher.hash(newPassword));
    await this.signOutEverywhere(user.id);
    return user;
  }

  /**
   * HTTP Basic on every request: as `authenticate`, but a recent success with the same
   * credentials skips the hash (see CredentialCache).
   */
  async authenticateBasic(username: string, password: string, ip: string): Promise<User> {
    const cached = this.credentials.lookup(username, password);
    if (cached) {
      const user = await users.findUserById(this.db, cached.userId);
      if (user && !user.disabled && user.username === username && user.passwordHash === cached.passwordHash) return user;
    }
    const user = await this.authenticate(username, password, ip);
    const current = await users.findUserById(this.db, user.id);
    if (current) this.credentials.remember(username, password, user.id, current.passwordHash);
    return user;
  }

  /** Ends every session of the user, on every instance, whichever store holds them. */
  async signOutEverywhere(userId: string): Promise<void> {
    await users.voidSessionsBefore(this.db, userId, Date.now());
  }

  async findUser(id: string): Promise<User | undefined> {
    return users.findUserById(this.db, id);
  }

  /** The signed-in user behind a session or token, if the account still exists and is enabled. */
  async findActiveUser(id: string): Promise<User | undefined> {
    const user = await users.findUserById(this.db, id);
    return user && !user.disabled ? user : undefined;
  }
}

function conflictFor(taken: { username: boolean; email: boolean }): Conflict {
  const details: ErrorDetail[] = [];
  if (taken.username) details.push({ field: 'username', reason: 'username_taken', message: 'This username is already taken.' });
  if (taken.email) details.push({ field: 'email', reason: 'email_taken', message: 'An account with this email already exists.' });
  return new Conflict(details.map((d) => d.message).join(' '), details);
}
