/**
 * What time it is, for the rules that depend on it: session, token, link, JWT and mail-token
 * expiry. The system clock by default; tests give a clock they can advance, so an expiry is
 * checked without waiting for it.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
