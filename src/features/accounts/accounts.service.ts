import { randomUUID } from 'node:crypto';
import type { Claim } from '../../access/rules.js';
import type { Db } from '../../db/connect.js';
import { isUniqueViolation } from '../../db/connect.js';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { Conflict, InvalidRequest, Unauthenticated, type ErrorDetail } from '../../errors.js';
import { takeAttempt } from '../attempt-limits.js';
import { cleanDisplayText } from '../files/file-names.js';
import * as users from './accounts.repository.js';
import type { User, UserWithHash } from './accounts.repository.js';
import { CredentialCache } from './credential-cache.js';
import type { ImportedUser } from './csv-import.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './passwords.js';
import { systemClock, type Clock } from '../../shared/clock.js';

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
  faceRecognition: boolean;
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
    faceRecognition: user.faceRecognition,
  };
}

const USERNAME = /^[a-z0-9_.-]{3,32}$/;
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is the mail's job.
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD_LENGTH = 10;
const IMPORTED_DOMAIN = 'imported.invalid';

export function validateRegistration(input: Registration): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (input.name.trim().length === 0) problems.push({ field: 'name', message: 'Enter your name.' });
  if (input.name.length > 100) problems.push({ field: 'name', message: 'The name can be at most 100 characters.' });
  if (!USERNAME.test(input.username)) {
    problems.push({ field: 'username', message: 'The username must be 3 to 32 characters: lowercase letters, digits, "_", "." or "-".' });
  }
  if (input.email.length > 254 || !EMAIL.test(input.email)) problems.push({ field: 'email', message: 'Enter a valid email address.' });
  // imported.invalid is where `coffer user import` puts accounts; no .invalid address can receive mail.
  else if (/\.invalid$/i.test(input.email)) problems.push({ field: 'email', reason: 'reserved_domain', message: `Addresses at .invalid domains cannot receive mail (${IMPORTED_DOMAIN} is reserved for imported accounts).` });
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
  /** Basic checks under way, by CredentialCache key (see authenticateBasic). */
  private readonly basicChecks = new Map<string, Promise<User>>();

  constructor(
    private readonly db: Db,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    /** Sign-ups per client address; every one past validation counts, successes included. */
    private readonly signUps: RateLimiterAbstract,
    private readonly clock: Clock = systemClock,
  ) {}

  /** `coffer user create`: like registering (without the per-address limit), optionally as an administrator. */
  async createUser(input: Registration & { isAdmin: boolean }): Promise<PublicUser> {
    const user = await this.insertAccount(checkedRegistration(input));
    if (input.isAdmin) await users.setAdmin(this.db, user.id, true);
    // The operator who creates an account vouches for its address.
    await users.markEmailVerified(this.db, user.id, user.email);
    return { ...user, isAdmin: input.isAdmin, emailVerified: true };
  }

  /**
   * `coffer user import`: accounts with bcrypt hashes from another system, re-hashed to
   * argon2id at each one's first sign-in. All or nothing: a login or an imported address
   * that is already taken is an error naming its line, and then nothing is written.
   */
  async importUsers(imported: ImportedUser[]): Promise<{ created: string[]; errors: string[] }> {
    const withEmail = imported.map((u) => ({ ...u, email: importedEmail(u.username) }));
    const taken = await users.findAccountsHolding(this.db, withEmail.map((u) => u.username), withEmail.map((u) => u.email));
    const errors = withEmail.flatMap((u) => {
      const byName = taken.find((t) => t.username === u.username);
      if (byName) return [`line ${u.line}: the username "${u.username}" already exists`];
      const byEmail = taken.find((t) => t.email === u.email);
      return byEmail ? [`line ${u.line}: the address ${u.email} that "${u.username}" would get belongs to the existing account "${byEmail.username}"`] : [];
    });
    if (errors.length > 0) return { created: [], errors };
    const createdAt = new Date().toISOString();
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const u of withEmail) {
          await users.insertUser(trx, { id: randomUUID(), username: u.username, email: u.email, name: u.username, passwordHash: u.passwordHash, isAdmin: u.isAdmin, createdAt });
        }
      });
    } catch (error) {
      // An account appeared between the check and the insert; the transaction wrote nothing.
      if (isUniqueViolation(error)) return { created: [], errors: ['an account with one of these usernames or addresses was created during the import; run it again'] };
      throw error;
    }
    return { created: withEmail.map((u) => u.username), errors: [] };
  }

  /** Sign-up through the API, limited per client address (each costs a hash and a row). */
  async register(input: Registration, ip: string): Promise<PublicUser> {
    const registration = checkedRegistration(input);
    await takeAttempt([{ limiter: this.signUps, key: ip, onSuccess: 'keep' }]);
    return this.insertAccount(registration);
  }

  private async insertAccount(registration: Registration): Promise<PublicUser> {
    const taken = await users.findTakenIdentifiers(this.db, registration.username, registration.email);
    if (taken.username || taken.email) throw conflictFor(taken);

    const user = {
      id: randomUUID(),
      username: registration.username,
      email: registration.email,
      name: registration.name,
      passwordHash: await this.hasher.hash(registration.password),
      isAdmin: false,
      createdAt: new Date().toISOString(),
      ...(registration.language ? { language: registration.language } : {}),
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
    const attempt = await this.throttle.attempt(ip, username);
    const user = await users.findUserByUsername(this.db, username);
    const valid = user ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyDummy(password);
    if (!user || !valid || user.disabled) throw new Unauthenticated();
    await attempt.succeeded();
    if (this.hasher.needsRehash(user.passwordHash)) await users.updatePasswordHash(this.db, user.id, await this.hasher.hash(password));
    return user;
  }

  /**
   * Changes the password after checking the current one, and voids every session and JWT
   * made before; the caller signs the current browser in again. A wrong current password
   * counts against the same budget as a wrong sign-in: a stolen session must not become a
   * way to guess the password without limit.
   */
  async changePassword(user: User, currentPassword: string, newPassword: string, ip: string): Promise<void> {
    const attempt = await this.throttle.attempt(ip, user.username);
    const current = await users.findUserById(this.db, user.id);
    if (!current || !(await this.hasher.verify(current.passwordHash, currentPassword))) {
      throw new InvalidRequest('The current password is not correct.', [{ field: 'currentPassword', message: 'The current password is not correct.' }]);
    }
    await attempt.succeeded();
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
    const attempt = await this.throttle.attempt(ip, user.username);
    const current = await users.findUserById(this.db, user.id);
    if (!current || !(await this.hasher.verify(current.passwordHash, password))) {
      throw new InvalidRequest('The current password is not correct.', [{ field: 'currentPassword', message: 'The current password is not correct.' }]);
    }
    await attempt.succeeded();
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
   * A recent successful Basic check with the same credentials, as a claim the account is
   * read against later (once per request, see Claim): the hash is skipped, and a changed
   * password, username or a disabled account still ends it at once.
   */
  basicClaim(username: string, password: string): Pick<Claim, 'userId' | 'accepts'> | undefined {
    const cached = this.credentials.lookup(username, password);
    if (!cached) return undefined;
    return {
      userId: cached.userId,
      accepts: (account) => !account.disabled && account.username === username && account.passwordHash === cached.passwordHash,
    };
  }

  /**
   * HTTP Basic without a cached check: as `authenticate`, and the success is remembered (see
   * CredentialCache). Requests with the same credentials that arrive while one is checked (a
   * program opening several connections at once) wait for that check: one attempt and one
   * hash for them all. Each attempt is charged before it is checked, so without this 16
   * parallel first requests with the right password spent the whole budget and got 429s.
   */
  authenticateBasic(username: string, password: string, ip: string): Promise<User> {
    const key = this.credentials.id(username, password);
    const pending = this.basicChecks.get(key);
    if (pending) return pending;
    const check = this.checkBasic(username, password, ip).finally(() => this.basicChecks.delete(key));
    this.basicChecks.set(key, check);
    return check;
  }

  private async checkBasic(username: string, password: string, ip: string): Promise<User> {
    const user = await this.authenticate(username, password, ip);
    // `authenticate` may have re-hashed the password: remember the hash now stored.
    const current = await users.findUserById(this.db, user.id);
    if (current) this.credentials.remember(username, password, user.id, current.passwordHash);
    return user;
  }

  /** Ends every session of the user, on every instance, whichever store holds them. */
  async signOutEverywhere(userId: string): Promise<void> {
    await users.voidSessionsBefore(this.db, userId, this.clock.now().getTime());
  }

  /** The account with its password hash, for checking a credential's claim (plugins/access.ts). */
  findAccount(id: string): Promise<UserWithHash | undefined> {
    return users.findUserById(this.db, id);
  }

  async findUser(id: string): Promise<User | undefined> {
    return users.findUserById(this.db, id);
  }

  async findUserByUsername(username: string): Promise<User | undefined> {
    return users.findUserByUsername(this.db, username);
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    return users.findUserByEmail(this.db, email);
  }

  /** Marks the address verified if it is still the account's; false when it changed meanwhile. */
  async markEmailVerified(id: string, email: string): Promise<boolean> {
    return users.markEmailVerified(this.db, id, email);
  }

  async updateProfile(id: string, changes: users.ProfileChanges): Promise<void> {
    await users.updateProfile(this.db, id, changes);
  }

  /** The signed-in user behind a session or token, if the account still exists and is enabled. */
  async findActiveUser(id: string): Promise<User | undefined> {
    const user = await users.findUserById(this.db, id);
    return user && !user.disabled ? user : undefined;
  }
}

/**
 * The registration as it will be stored — the name as people will see it (without bidi or
 * control characters, like file names), the address in lower case — or a 400.
 */
function checkedRegistration(input: Registration): Registration {
  const registration = { ...input, name: cleanDisplayText(input.name), email: input.email.trim().toLowerCase() };
  const problems = validateRegistration(registration);
  if (problems.length > 0) throw new InvalidRequest('Some fields need attention.', problems);
  return registration;
}

/** Imported lists carry no email; .invalid is reserved (RFC 2606) and can never be delivered. */
function importedEmail(username: string): string {
  return `${username}@${IMPORTED_DOMAIN}`;
}

function conflictFor(taken: { username: boolean; email: boolean }): Conflict {
  const details: ErrorDetail[] = [];
  if (taken.username) details.push({ field: 'username', reason: 'username_taken', message: 'This username is already taken.' });
  if (taken.email) details.push({ field: 'email', reason: 'email_taken', message: 'An account with this email already exists.' });
  return new Conflict(details.map((d) => d.message).join(' '), details);
}
