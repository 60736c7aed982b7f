import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimited, Unavailable } from '../../errors.js';

/**
 * Counts failed sign-ins per client IP and per username. A username's counter is cleared
 * by a successful sign-in; the IP's is not, so one address cannot probe many accounts.
 */
export class LoginThrottle {
  constructor(
    private readonly byIp: RateLimiterAbstract,
    private readonly byUsername: RateLimiterAbstract,
  ) {}

  /** Throws 429 (with Retry-After) when either counter is spent. */
  async assertAllowed(ip: string, username: string): Promise<void> {
    const [ipState, userState] = await counters(Promise.all([this.byIp.get(ip), this.byUsername.get(username)]));
    const blocked = [
      [ipState, this.byIp.points],
      [userState, this.byUsername.points],
    ] as const;
    let waitMs = 0;
    for (const [state, points] of blocked) {
      if (state && state.consumedPoints >= points) waitMs = Math.max(waitMs, state.msBeforeNext);
    }
    if (waitMs > 0) throw new RateLimited(Math.max(1, Math.ceil(waitMs / 1000)));
  }

  async recordFailure(ip: string, username: string): Promise<void> {
    // penalty() adds a point without throwing when the budget is already spent.
    await counters(Promise.all([this.byIp.penalty(ip), this.byUsername.penalty(username)]));
  }

  async recordSuccess(username: string): Promise<void> {
    await counters(this.byUsername.delete(username));
  }
}

/** The counters live in the session store; when it is away, sign-in is unavailable, not open. */
async function counters<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch {
    throw new Unavailable('session store');
  }
}
