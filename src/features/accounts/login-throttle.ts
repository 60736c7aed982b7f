import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { takeAttempt, type Attempt } from '../attempt-limits.js';

/**
 * Counts password guesses per client IP and per username: sign-ins, HTTP Basic and the
 * current password of a password change, all in one budget, since all guess the same
 * secret. Each guess takes its points before the hash is checked (see takeAttempt). A
 * success clears the username's counter and gives the IP back only its own point, so one
 * address cannot probe many accounts by signing in to its own now and then.
 */
export class LoginThrottle {
  constructor(
    private readonly byIp: RateLimiterAbstract,
    private readonly byUsername: RateLimiterAbstract,
  ) {}

  /** Throws 429 (with Retry-After) when either budget is spent. */
  attempt(ip: string, username: string): Promise<Attempt> {
    return takeAttempt([
      { limiter: this.byIp, key: ip, onSuccess: 'refund' },
      { limiter: this.byUsername, key: username, onSuccess: 'clear' },
    ]);
  }
}
