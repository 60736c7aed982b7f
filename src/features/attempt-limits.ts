import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimited, Unavailable } from '../errors.js';

/**
 * One budget an attempt draws from: a limiter (its counters live in the session store) and
 * the key it counts under. `onSuccess` says what a successful attempt does to it: `clear`
 * forgets the key's failures (a person who knows the password is not locked out later),
 * `refund` gives back only this attempt's point (the budget counts failures, and one
 * success must not wipe out the failures of others), `keep` leaves it (the budget counts
 * every attempt, successes included).
 */
export interface Budget {
  limiter: RateLimiterAbstract;
  key: string;
  onSuccess: 'clear' | 'refund' | 'keep';
}

export interface Attempt {
  /** Call once the attempt succeeded; a failed attempt keeps its points. */
  succeeded(): Promise<void>;
}

/**
 * Takes one point from every budget BEFORE the attempt is evaluated. `consume` is an atomic
 * increment in every store (Map, Redis script, Memcached incr/add), so of any number of
 * concurrent attempts at most the budget is evaluated; reading the counter first and adding
 * the failure after the check, as before, let every concurrent attempt through.
 *
 * Budgets are taken in order — the client's own first, the shared one (of an account, of a
 * link) last — and a later one is only touched once the earlier ones accepted: a burst
 * refused by the client's budget must not spend the shared one (200 guesses from one
 * address would otherwise lock a link for every other address too).
 * Throws 429 when a budget is spent (the points already taken are given back, since nothing
 * was evaluated) and 503 when the store is away: limits fail closed.
 */
export async function takeAttempt(budgets: Budget[]): Promise<Attempt> {
  const taken: Budget[] = [];
  for (const budget of budgets) {
    try {
      await budget.limiter.consume(budget.key);
    } catch (reason) {
      await inStore(() => Promise.all(taken.map(({ limiter, key }) => limiter.reward(key))));
      if (!(reason instanceof RateLimiterRes)) throw new Unavailable('session store');
      throw new RateLimited(Math.max(1, Math.ceil(reason.msBeforeNext / 1000)));
    }
    taken.push(budget);
  }
  return {
    succeeded: () =>
      inStore(async () => {
        for (const { limiter, key, onSuccess } of budgets) {
          if (onSuccess === 'clear') await limiter.delete(key);
          else if (onSuccess === 'refund') await limiter.reward(key);
        }
      }),
  };
}

/** The counters live in the session store; when it is away, attempts are unavailable, not open. */
async function inStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch {
    throw new Unavailable('session store');
  }
}
