import type { Clock } from '../../src/shared/clock.js';

/**
 * The real time plus whatever the test has advanced it by: an expiry is reached with
 * `advance(ms)` instead of a sleep, and time still moves forward between two calls, so rules
 * that compare instants (a session from before "sign out everywhere") hold as in production.
 */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
