import type { Caller } from '../../domain/access.js';
import type { Origin } from '../../domain/origin.js';
import { AppError, Forbidden } from '../../errors.js';
import type { AuditLog } from '../audit/audit.log.js';
import type { AccountsService, PublicUser, Registration, User } from './accounts.service.js';
import type { Session, SessionsService } from './sessions.service.js';

/**
 * Some changes take the password itself (a browser session or Basic), never a token: a
 * leaked `files:read` token must not mint tokens, end every session or change the account.
 */
export function requirePasswordCaller(caller: Caller, message: string): Caller {
  if (caller.via === 'token' || caller.via === 'jwt') throw new Forbidden(message);
  return caller;
}

/** Signing up, in and out, and changing the password: each use case with its audit event. */
export class AuthService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLog,
  ) {}

  /** Sign-up through the API (limited per client address). */
  async register(input: Registration, origin: Origin): Promise<PublicUser> {
    const user = await this.accounts.register(input, origin.ip);
    this.audit.record({ action: 'account.register', outcome: 'success', actor: user, target: `user:${user.id}`, ...origin });
    return user;
  }

  /**
   * Checks the credentials and opens a new session. The session the browser held before
   * (`previousSessionId`) ends: a session id planted before login is worth nothing after.
   */
  async login(username: string, password: string, origin: Origin, previousSessionId?: string): Promise<{ user: User; session: Session }> {
    const user = await this.accounts.authenticate(username, password, origin.ip).catch((error: unknown) => {
      const reason = error instanceof AppError ? error.code : 'error';
      this.audit.record({ action: 'auth.login', outcome: 'failure', actorName: username, details: { reason }, ...origin });
      throw error;
    });
    this.audit.record({ action: 'auth.login', outcome: 'success', actor: user, ...origin });
    if (previousSessionId) await this.sessions.destroy(previousSessionId);
    return { user, session: await this.sessions.create(user.id) };
  }

  /** Ends the caller's session; `everywhere`, every session and JWT of the user (with the password only). */
  async logout(caller: Caller, everywhere: boolean, origin: Origin): Promise<void> {
    if (everywhere) requirePasswordCaller(caller, 'Sign out everywhere while signed in with your password, not with a token.');
    if (everywhere) await this.accounts.signOutEverywhere(caller.user.id);
    if (caller.session) await this.sessions.destroy(caller.session.id);
    this.audit.record({ action: everywhere ? 'auth.logout_everywhere' : 'auth.logout', outcome: 'success', actor: caller.user, ...origin });
  }

  /**
   * Changes the password (see AccountsService.changePassword): every session ends, and a
   * browser caller gets a fresh one.
   */
  async changePassword(caller: Caller, currentPassword: string, newPassword: string, origin: Origin): Promise<{ session?: Session }> {
    requirePasswordCaller(caller, 'Change the password while signed in with it, not with a token.');
    await this.accounts.changePassword(caller.user, currentPassword, newPassword, origin.ip).catch((error: unknown) => {
      this.audit.record({ action: 'auth.password_change', outcome: 'failure', actor: caller.user, ...origin });
      throw error;
    });
    this.audit.record({ action: 'auth.password_change', outcome: 'success', actor: caller.user, ...origin });
    if (caller.session) await this.sessions.destroy(caller.session.id);
    return caller.via === 'session' ? { session: await this.sessions.create(caller.user.id) } : {};
  }
}
